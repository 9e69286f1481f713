"""Computing the KPIs of definitions.py for a period, overall or per dimension."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from rexian.evaluation.rates import cut_percent, ratio
from rexian.metrics import definitions as d
from rexian.orders.choices import State
from rexian.orders.models import WorkOrder, WorkOrderEvent

# How each dimension is read from an event and from an order.
DIMENSIONS = {
    "channel": ("order__channel", "channel"),
    "type": ("order__order_type", "order_type"),
    "category": ("order__category", "category"),
    "unit": ("unit", "current_unit"),
}


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, day after end 00:00) in local time."""
    if end < start:
        raise ValueError(f"the period ends ({end}) before it starts ({start})")
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
    )


@dataclass
class KpiRow:
    key: object  # the dimension value (None overall)
    counts: Counter = field(default_factory=Counter)

    def value(self, kpi: d.Kpi):
        if not kpi.is_rate:
            return self.counts[kpi.numerator]
        return ratio(self.counts[kpi.numerator], self.counts[kpi.denominator])

    def as_dict(self) -> dict:
        out = {}
        for kpi in d.KPIS:
            if kpi.is_rate:
                numerator, denominator = self.counts[kpi.numerator], self.counts[kpi.denominator]
                fraction = ratio(numerator, denominator)
                out[kpi.key] = {
                    "numerator": numerator,
                    "denominator": denominator,
                    "rate": None if fraction is None else float(fraction),
                    "percent": None if fraction is None else str(cut_percent(numerator, denominator)),
                }
            else:
                out[kpi.key] = self.counts[kpi.numerator]
        return out


def _is_true(value) -> bool:
    """JSON booleans come back as True/False on PostgreSQL and as 1/0 on SQLite."""
    return value is not None and bool(value)


def _is_false(value) -> bool:
    return value is not None and not bool(value)


def _fold(counts: Counter, action: str, data: dict, n: int) -> None:
    """Add `n` events of one kind to the counters the KPI definitions use."""
    if action == d.REGISTER:
        counts["intake"] += n
        counts["valid_intake"] += n
    elif action in (d.VOID, d.TRANSFER):
        counts["valid_intake"] -= n
    if action == d.DIRECT:
        counts["direct_answers"] += n
    if action == d.DISPATCH:
        counts["dispatched"] += n
    if action in d.DISPATCHES:
        counts["dispatches"] += n
    if action == d.RETURN:
        counts["returns"] += n
    if action == "accept" and data.get("role") == "lead":
        counts["accepted"] += n
        counts["accepted_on_time"] += n if _is_false(data.get("late")) else 0
    if action in d.HANDLED:
        counts["handled"] += n
        counts["handled_on_time"] += n if _is_true(data.get("on_time")) else 0
    if action == "overdue":
        counts["overdue"] += n
    if action == "approve_extension":
        counts["extensions"] += n
    if action in d.CALLED_BACK:
        counts["called_back"] += n
        result = data.get("result")
        if result in d.VALID_RESULTS:
            counts["valid_callbacks"] += n
            counts["satisfied_or_basically"] += n if result in ("satisfied", "basically") else 0
            counts["dissatisfied"] += n if result == "dissatisfied" else 0
    if action == "redo":
        counts["redo"] += n


def compute(start: date, end: date, by: str | None = None) -> list[KpiRow]:
    """KPI rows for the period: one overall row, or one per value of `by`."""
    if by is not None and by not in DIMENSIONS:
        raise ValueError(f"unknown dimension {by!r}; choose one of {', '.join(DIMENSIONS)}")
    since, until = period_bounds(start, end)
    event_dim, order_dim = DIMENSIONS[by] if by else (None, None)
    rows: dict = defaultdict(lambda: None)

    def row(key) -> KpiRow:
        if rows[key] is None:
            rows[key] = KpiRow(key)
        return rows[key]

    fields = ["action", "data__role", "data__late", "data__on_time", "data__result"]
    if event_dim:
        fields.insert(0, event_dim)
    events = (
        WorkOrderEvent.objects.filter(created_at__gte=since, created_at__lt=until)
        .values(*fields)
        .annotate(n=Count("id"))
        .order_by()
    )
    for item in events:
        data = {"role": item["data__role"], "late": item["data__late"], "on_time": item["data__on_time"],
                "result": item["data__result"]}
        _fold(row(item[event_dim] if event_dim else None).counts, item["action"], data, item["n"])

    cohort = WorkOrder.objects.filter(created_at__gte=since, created_at__lt=until).exclude(
        state__in=[State.VOIDED, State.TRANSFERRED]
    )
    cohort_rows = (
        cohort.values(*([order_dim] if order_dim else []))
        .annotate(valid=Count("id"), closed=Count("id", filter=Q(state=State.CLOSED, closed_at__lt=until)))
        .order_by()
    )
    for item in cohort_rows:
        counts = row(item[order_dim] if order_dim else None).counts
        counts["cohort_valid"] += item["valid"]
        counts["cohort_closed"] += item["closed"]
    if not by:
        row(None)
    return [value for value in rows.values() if value is not None]
