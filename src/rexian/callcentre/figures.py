"""Call-centre figures (话务统计) for any period, by day, hour or half-hour.

The service the CLI and the dashboards call. Everything comes back as plain
dataclasses with an `as_dict()` for JSON; nothing here renders HTML.

Figures are computed from the half-hour sums (`CallSlotStat`), so a month
takes a few queries over a few thousand rows whatever the number of calls.
`call_figures(..., from_records=True)` computes the same figures straight
from `CallRecord` (a full scan): the check that the sums are right, and the
baseline in the benchmark.

Formulas (see docs/callcentre.md). With a short-abandon limit S, abandons
that waited less than S seconds are left out of offered and abandoned:

    offered              every call that entered a queue, less short abandons
    接通率 connection     answered / offered
    service level (SL)    answered within T s / answered
    SL2                   (answered within T + abandoned within T) / (answered + abandoned)
    answered within T     answered within T / offered
    abandonment rate      abandoned / offered
    ASA                   sum of waits of answered calls / answered
    AHT                   sum of talk times / answered calls whose talk time is known
    average abandon wait  sum of waits of abandoned calls / abandoned

Rates are exact fractions; people see them cut (never rounded up) to two
decimals, and mean durations rounded up, so no figure claims a threshold that
was not met.
"""

import operator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction

from django.db import connection
from django.db.models import Case, Count, IntegerField, Q, Sum, Value, When
from django.db.models.functions import ExtractHour, ExtractMinute, TruncDate
from django.utils import timezone

from rexian.callcentre.choices import CallOutcome
from rexian.callcentre.conf import call_settings
from rexian.callcentre.models import (
    ABANDONED_BUCKETS,
    ANSWERED_BUCKETS,
    BUCKET_BOUNDS,
    SUM_COLUMNS,
    SUM_INDEX,
    CallRecord,
    CallSlotStat,
)
from rexian.evaluation.rates import cut, cut_percent, ratio, round_up

BY_CHOICES = ("period", "day", "hour", "half_hour")
SPLIT_CHOICES = ("queue", "number_called")
SLOT = timedelta(minutes=30)
WINDOW_SLOTS = 48  # 24 hours


class FiguresError(ValueError):
    """A request the figures cannot answer (unaligned period, threshold without a bucket…)."""


# ---------------------------------------------------------------- values


@dataclass(frozen=True)
class Rate:
    """numerator / denominator, exact; `percent` is cut to 2 decimals for display."""

    numerator: int
    denominator: int

    @property
    def value(self) -> Fraction | None:
        return ratio(self.numerator, self.denominator)

    @property
    def percent(self) -> Decimal | None:
        return cut_percent(self.numerator, self.denominator)

    def text(self) -> str:
        percent = self.percent
        return "—" if percent is None else f"{percent}%"

    def at_least(self, target: Fraction) -> bool | None:
        value = self.value
        return None if value is None else value >= target

    def as_dict(self) -> dict:
        value = self.value
        return {
            "numerator": self.numerator,
            "denominator": self.denominator,
            "fraction": None if value is None else f"{value.numerator}/{value.denominator}",
            "percent": None if value is None else str(cut(value * 100)),
        }


@dataclass(frozen=True)
class Mean:
    """A mean duration in seconds: total / count, exact; `seconds` rounded up to 2 decimals."""

    total: int
    count: int

    @property
    def value(self) -> Fraction | None:
        return ratio(self.total, self.count)

    @property
    def seconds(self) -> Decimal | None:
        value = self.value
        return None if value is None else round_up(value, 2)

    def text(self) -> str:
        seconds = self.seconds
        return "—" if seconds is None else f"{seconds}s"

    def at_most(self, limit: int) -> bool | None:
        value = self.value
        return None if value is None else value <= limit

    def as_dict(self) -> dict:
        value = self.value
        return {
            "total_seconds": self.total,
            "count": self.count,
            "fraction": None if value is None else f"{value.numerator}/{value.denominator}",
            "seconds": None if value is None else str(round_up(value, 2)),
        }


Sums = list[int]  # values of SUM_COLUMNS (or of the columns asked for), in that order
_OFFERED, _ANSWERED, _ABANDONED = SUM_INDEX["offered"], SUM_INDEX["answered"], SUM_INDEX["abandoned"]
_ANS, _ABN = SUM_INDEX[ANSWERED_BUCKETS[0]], SUM_INDEX[ABANDONED_BUCKETS[0]]
_BUCKETS = len(ANSWERED_BUCKETS)


def _zero() -> Sums:
    return [0] * len(SUM_COLUMNS)


def _add(total: Sums, more: Sums) -> Sums:
    total[:] = map(operator.add, total, more)
    return total


def _bucket_through(seconds: int) -> int:
    """How many buckets hold the waits of at most `seconds` (the threshold must be a bucket bound)."""
    try:
        return BUCKET_BOUNDS.index(seconds) + 1
    except ValueError:
        raise FiguresError(
            f"阈值 {seconds} 秒无法从汇总表精确得出：可选 0–60 或 {', '.join(map(str, BUCKET_BOUNDS[61:]))}"
        ) from None


@dataclass(frozen=True)
class Counts:
    """The counts behind the figures, after short abandons are left out."""

    offered: int
    answered: int
    abandoned: int
    short_abandoned: int
    unanswered_other: int
    answered_within: int  # wait ≤ threshold
    abandoned_within: int  # short abandons excluded
    answered_within_standard: int  # wait ≤ the GB/T seconds (15)
    sum_wait_answered: int
    sum_wait_abandoned: int
    talked: int
    sum_talk: int

    @classmethod
    def from_sums(cls, sums: Sums, threshold: int, short_abandon: int, standard: int) -> "Counts":
        answered_hist = sums[_ANS : _ANS + _BUCKETS]
        abandoned_hist = sums[_ABN : _ABN + _BUCKETS]
        # Buckets 0–60 are single seconds, so "waited less than S s" is buckets 0..S-1.
        short = sum(abandoned_hist[:short_abandon])
        short_wait = sum(seconds * abandoned_hist[seconds] for seconds in range(short_abandon))
        through = _bucket_through(threshold)
        return cls(
            offered=sums[_OFFERED] - short,
            answered=sums[_ANSWERED],
            abandoned=sums[_ABANDONED] - short,
            short_abandoned=short,
            unanswered_other=sums[SUM_INDEX["unanswered_other"]],
            answered_within=sum(answered_hist[:through]),
            abandoned_within=sum(abandoned_hist[short_abandon:through]),
            answered_within_standard=sum(answered_hist[: _bucket_through(standard)]),
            sum_wait_answered=sums[SUM_INDEX["sum_wait_answered"]],
            sum_wait_abandoned=sums[SUM_INDEX["sum_wait_abandoned"]] - short_wait,
            talked=sums[SUM_INDEX["talked"]],
            sum_talk=sums[SUM_INDEX["sum_talk"]],
        )


@dataclass(frozen=True)
class Check:
    """One GB/T 33358 threshold and whether the figures meet it (None: no calls to judge)."""

    code: str
    label: str
    value: str
    target: str
    passed: bool | None

    def as_dict(self) -> dict:
        return {"code": self.code, "label": self.label, "value": self.value, "target": self.target, "passed": self.passed}


@dataclass(frozen=True)
class Figures:
    """The figures for one period (and one queue or number, when split)."""

    label: str
    start: datetime
    end: datetime
    threshold: int
    short_abandon: int
    counts: Counts
    group: dict = field(default_factory=dict)  # {"queue": "…"} or {"number_called": "…"} when split

    @property
    def connection_rate(self) -> Rate:
        return Rate(self.counts.answered, self.counts.offered)

    @property
    def service_level(self) -> Rate:
        return Rate(self.counts.answered_within, self.counts.answered)

    @property
    def service_level2(self) -> Rate:
        c = self.counts
        return Rate(c.answered_within + c.abandoned_within, c.answered + c.abandoned)

    @property
    def answered_within_rate(self) -> Rate:
        return Rate(self.counts.answered_within, self.counts.offered)

    @property
    def abandonment_rate(self) -> Rate:
        return Rate(self.counts.abandoned, self.counts.offered)

    @property
    def average_speed_of_answer(self) -> Mean:
        return Mean(self.counts.sum_wait_answered, self.counts.answered)

    @property
    def average_handle_time(self) -> Mean:
        return Mean(self.counts.sum_talk, self.counts.talked)

    @property
    def average_abandon_wait(self) -> Mean:
        return Mean(self.counts.sum_wait_abandoned, self.counts.abandoned)

    def checks(self, connection: Rate | None = None) -> list[Check]:
        """GB/T 33358 checks on these figures; `connection` replaces the period's 接通率 (worst 24 h)."""
        config = call_settings()
        seconds = config.answer_seconds
        connection = connection or self.connection_rate
        standard_level = Rate(self.counts.answered_within_standard, self.counts.answered)
        asa = self.average_speed_of_answer
        return [
            Check(
                "connection_rate_24h",
                "24小时人工接通率",
                connection.text(),
                f"≥ {_percent(config.connection_rate_target)}",
                connection.at_least(config.connection_rate_target),
            ),
            Check(
                f"answered_within_{seconds}s",
                f"{seconds}秒内接听（占接通）",
                standard_level.text(),
                f"≥ {_percent(config.service_level_target)}",
                standard_level.at_least(config.service_level_target),
            ),
            Check(
                f"asa_within_{seconds}s",
                "平均应答时长",
                asa.text(),
                f"≤ {seconds}s",
                asa.at_most(seconds),
            ),
        ]

    def as_dict(self) -> dict:
        c = self.counts
        return {
            "label": self.label,
            **self.group,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "offered": c.offered,
            "answered": c.answered,
            "abandoned": c.abandoned,
            "short_abandoned": c.short_abandoned,
            "unanswered_other": c.unanswered_other,
            "answered_within": c.answered_within,
            "abandoned_within": c.abandoned_within,
            "connection_rate": self.connection_rate.as_dict(),
            "service_level": self.service_level.as_dict(),
            "service_level2": self.service_level2.as_dict(),
            "answered_within_rate": self.answered_within_rate.as_dict(),
            "abandonment_rate": self.abandonment_rate.as_dict(),
            "average_speed_of_answer": self.average_speed_of_answer.as_dict(),
            "average_handle_time": self.average_handle_time.as_dict(),
            "average_abandon_wait": self.average_abandon_wait.as_dict(),
        }


def _percent(value: Fraction) -> str:
    return f"{cut_percent(value.numerator, value.denominator)}%"


@dataclass(frozen=True)
class Window:
    """The 24 hours from `start` with the lowest 接通率 in the period."""

    start: datetime
    end: datetime
    connection_rate: Rate

    def as_dict(self) -> dict:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "connection_rate": self.connection_rate.as_dict(),
        }


@dataclass(frozen=True)
class Report:
    start: datetime
    end: datetime
    by: str
    split: str | None
    threshold: int
    short_abandon: int
    filters: dict
    total: Figures
    rows: list[Figures]
    worst_24h: Window | None  # None when the period is shorter than 24 hours or had no calls

    @property
    def checks(self) -> list[Check]:
        return self.total.checks(self.worst_24h.connection_rate if self.worst_24h else None)

    def as_dict(self) -> dict:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "by": self.by,
            "split": self.split,
            "threshold_seconds": self.threshold,
            "short_abandon_seconds": self.short_abandon,
            "filters": self.filters,
            "total": self.total.as_dict(),
            "worst_24h": self.worst_24h.as_dict() if self.worst_24h else None,
            "checks": [check.as_dict() for check in self.checks],
            "rows": [row.as_dict() for row in self.rows],
        }


# ---------------------------------------------------------------- sources of sums


class _StatSource:
    """Sums from the half-hour table, grouped by the database."""

    def __init__(self, start, end, filters):
        self.queryset = CallSlotStat.objects.filter(slot_start__gte=start, slot_start__lt=end, **filters)

    def sums(self, group: tuple[str, ...], columns: tuple[str, ...] = SUM_COLUMNS) -> dict[tuple, Sums]:
        sums = {f"s_{column}": Sum(column) for column in columns}
        if not group:
            row = self.queryset.aggregate(**sums)
            return {(): [int(row[name] or 0) for name in sums]}
        # Raw rows: the ORM's per-value converters cost more than the query for a month of half-hours.
        sql, params = self.queryset.values(*group).annotate(**sums).order_by().query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        width = len(group)
        day = group.index("day") if "day" in group else None
        result = {}
        for row in rows:
            key = row[:width]
            if day is not None and isinstance(key[day], str):  # SQLite gives dates as text
                key = (*key[:day], date.fromisoformat(key[day]), *key[day + 1 :])
            result[key] = [int(value) for value in row[width:]]
        return result


class _RecordSource:
    """The same sums computed straight from CallRecord: one scan, rolled up in Python."""

    _FIELDS = ("day", "slot", "queue", "number_called")

    def __init__(self, start, end, filters):
        tz = timezone.get_default_timezone()
        wait = "wait_seconds"
        bucket = Case(
            *(When(**{f"{wait}__lte": bound}, then=Value(index)) for index, bound in enumerate(BUCKET_BOUNDS) if bound > 60),
            default=Value(len(BUCKET_BOUNDS)),
            output_field=IntegerField(),
        )
        bucket = Case(When(**{f"{wait}__lte": 60}, then=wait), default=bucket, output_field=IntegerField())
        rows = (
            CallRecord.objects.filter(offered_at__gte=start, offered_at__lt=end, **filters)
            .alias(minute=ExtractMinute("offered_at", tzinfo=tz))
            .annotate(
                day=TruncDate("offered_at", tzinfo=tz),
                slot=ExtractHour("offered_at", tzinfo=tz) * 2
                + Case(When(Q(minute__gte=30), then=Value(1)), default=Value(0), output_field=IntegerField()),
                bucket=bucket,
            )
            .values_list(*self._FIELDS, "outcome", "bucket")
            .annotate(calls=Count("id"), waits=Sum(wait), talks=Sum("talk_seconds"), talked=Count("talk_seconds"))
            .order_by()
        )
        self.fine: dict[tuple, Sums] = {}
        for day, slot, queue, number, outcome, bucket, calls, waits, talks, talked in rows:
            sums = self.fine.get((day, slot, queue, number))
            if sums is None:
                sums = self.fine[(day, slot, queue, number)] = _zero()
            sums[_OFFERED] += calls
            if outcome == CallOutcome.ANSWERED:
                sums[_ANSWERED] += calls
                sums[SUM_INDEX["sum_wait_answered"]] += int(waits)
                sums[_ANS + bucket] += calls
                sums[SUM_INDEX["talked"]] += talked
                sums[SUM_INDEX["sum_talk"]] += int(talks or 0)
            elif outcome == CallOutcome.ABANDONED:
                sums[_ABANDONED] += calls
                sums[SUM_INDEX["sum_wait_abandoned"]] += int(waits)
                sums[_ABN + bucket] += calls
            else:
                sums[SUM_INDEX["unanswered_other"]] += calls

    def sums(self, group: tuple[str, ...], columns: tuple[str, ...] = SUM_COLUMNS) -> dict[tuple, Sums]:
        positions = [self._FIELDS.index(name) for name in group]
        wanted = [SUM_INDEX[name] for name in columns]
        result: dict[tuple, Sums] = {}
        for key, sums in self.fine.items():
            subset = [sums[i] for i in wanted]
            key = tuple(key[i] for i in positions)
            if key in result:
                _add(result[key], subset)
            else:
                result[key] = subset
        if not group and not result:
            result[()] = [0] * len(columns)
        return result


# ---------------------------------------------------------------- the report


def _local(moment: datetime) -> datetime:
    return timezone.localtime(moment, timezone.get_default_timezone())


def day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """From the start of `first` to the end of `last`, local time (both days included)."""
    tz = timezone.get_default_timezone()
    return datetime.combine(first, time(0), tzinfo=tz), datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz)


def _slot_start(day: date, slot: int) -> datetime:
    return datetime.combine(day, time(slot // 2, 30 * (slot % 2)), tzinfo=timezone.get_default_timezone())


def _period_keys(start: datetime, end: datetime, by: str) -> list[tuple[tuple, datetime, datetime, str]]:
    """(key, start, end, label) of every day, hour or half-hour in [start, end)."""
    periods = []
    moment = _local(start)
    while moment < end:
        day, slot = moment.date(), moment.hour * 2 + moment.minute // 30
        if by == "day":
            stop = min(day_bounds(day, day)[1], end)
            periods.append(((day,), moment, stop, day.isoformat()))
        elif by == "hour":
            stop = min(_slot_start(day, slot - slot % 2) + 2 * SLOT, end)
            periods.append(((day, slot // 2), moment, stop, f"{moment:%Y-%m-%d %H}:00"))
        else:
            stop = moment + SLOT
            periods.append(((day, slot), moment, stop, f"{moment:%Y-%m-%d %H:%M}"))
        moment = _local(stop)
    return periods


def _check_aligned(moment: datetime, name: str) -> datetime:
    if timezone.is_naive(moment):
        raise FiguresError(f"{name} 须带时区")
    local = _local(moment)
    if local.minute % 30 or local.second or local.microsecond:
        raise FiguresError(f"{name} 须在整点或半点（汇总以半小时为单位）：{local:%Y-%m-%d %H:%M:%S}")
    return local


def call_figures(
    start: datetime,
    end: datetime,
    *,
    by: str = "day",
    split: str | None = None,
    threshold: int | None = None,
    short_abandon: int | None = None,
    queue: str | None = None,
    number_called: str | None = None,
    from_records: bool = False,
) -> Report:
    """Figures for [start, end): the total, one row per `by` period (and per queue or
    number called with `split`), the worst 24-hour 接通率 and the GB/T 33358 checks.

    `threshold` (seconds, default the GB/T 15) is the service-level limit; it must
    be 0–60 or one of the coarser bucket bounds. `short_abandon` (seconds, default
    from settings, 0 = off) leaves out abandons that waited less than that.
    """
    config = call_settings()
    threshold = config.answer_seconds if threshold is None else threshold
    short_abandon = config.short_abandon_seconds if short_abandon is None else short_abandon
    start, end = _check_aligned(start, "开始时间"), _check_aligned(end, "结束时间")
    if end <= start:
        raise FiguresError("结束时间须晚于开始时间")
    if by not in BY_CHOICES:
        raise FiguresError(f"by 须为 {', '.join(BY_CHOICES)}")
    if split is not None and split not in SPLIT_CHOICES:
        raise FiguresError(f"split 须为 {', '.join(SPLIT_CHOICES)}")
    if not 0 <= short_abandon <= 60:
        raise FiguresError("短时放弃秒数须在 0–60 之间")
    _bucket_through(threshold)
    _bucket_through(config.answer_seconds)

    filters = {name: value for name, value in (("queue", queue), ("number_called", number_called)) if value is not None}
    source = (_RecordSource if from_records else _StatSource)(start, end, filters)

    def figures(label, period_start, period_end, sums, group=None) -> Figures:
        counts = Counts.from_sums(sums, threshold, short_abandon, config.answer_seconds)
        return Figures(label, period_start, period_end, threshold, short_abandon, counts, group or {})

    # Half-hours for the 24-hour windows; with by=hour or half_hour the same rows make the table.
    fine_columns = SUM_COLUMNS if by in ("hour", "half_hour") else _WINDOW_COLUMNS[: 2 + short_abandon]
    fine = source.sums(("day", "slot"), fine_columns)
    short_from = fine_columns.index(ABANDONED_BUCKETS[0]) if short_abandon else 0
    worst = _worst_window(start, end, fine, short_from, short_abandon)

    split_group = (split,) if split else ()
    if by == "period":
        by_key = source.sums(split_group)
        periods = [((), start, end, f"{start:%Y-%m-%d %H:%M}–{end:%Y-%m-%d %H:%M}")]
    elif by == "day":
        by_key = source.sums(("day", *split_group))
        periods = _period_keys(start, end, by)
    else:
        by_key = source.sums(("day", "slot", *split_group)) if split else fine
        if by == "hour":
            hours: dict[tuple, Sums] = {}
            for (day, slot, *rest), sums in by_key.items():
                key = (day, slot // 2, *rest)
                if key in hours:
                    _add(hours[key], sums)
                else:
                    hours[key] = list(sums)
            by_key = hours
        periods = _period_keys(start, end, by)

    split_values = sorted({key[-1] for key in by_key}) if split else [None]
    rows: list[Figures] = []
    total = _zero()
    for value in split_values:
        for key, period_start, period_end, label in periods:
            sums = by_key.get((*key, value) if split else key)
            if sums is None:
                sums = _zero()
            else:
                _add(total, sums)
            rows.append(figures(label, period_start, period_end, sums, {split: value} if split else None))
    return Report(
        start=start,
        end=end,
        by=by,
        split=split,
        threshold=threshold,
        short_abandon=short_abandon,
        filters=filters,
        total=figures(f"{start:%Y-%m-%d %H:%M}–{end:%Y-%m-%d %H:%M}", start, end, total),
        rows=[] if by == "period" and not split else rows,
        worst_24h=worst,
    )


_WINDOW_COLUMNS = ("offered", "answered", *ABANDONED_BUCKETS[:61])


def _worst_window(start, end, fine: dict[tuple, Sums], short_from: int, short_abandon: int) -> Window | None:
    """The 24 hours, starting on any half-hour in the period, with the lowest 接通率.

    `fine` holds sums per (day, slot) that start with offered, answered; the
    short-abandon buckets are at short_from.
    """
    offered: list[int] = []
    answered: list[int] = []
    for (day, slot), _start, _end, _label in _period_keys(start, end, "half_hour"):
        sums = fine.get((day, slot))
        if sums is None:
            offered.append(0)
            answered.append(0)
        else:
            offered.append(sums[_OFFERED] - sum(sums[short_from : short_from + short_abandon]))
            answered.append(sums[_ANSWERED])
    if len(offered) < WINDOW_SLOTS:
        return None
    worst = None
    window_offered, window_answered = sum(offered[:WINDOW_SLOTS]), sum(answered[:WINDOW_SLOTS])
    for first in range(len(offered) - WINDOW_SLOTS + 1):
        if first:
            last = first + WINDOW_SLOTS - 1
            window_offered += offered[last] - offered[first - 1]
            window_answered += answered[last] - answered[first - 1]
        # a/b < c/d without fractions: a·d < c·b (denominators positive)
        if window_offered and (worst is None or window_answered * worst[2] < worst[1] * window_offered):
            worst = (first, window_answered, window_offered)
    if worst is None:
        return None
    window_start = start + worst[0] * SLOT
    return Window(_local(window_start), _local(window_start + WINDOW_SLOTS * SLOT), Rate(worst[1], worst[2]))


def connection_rate(start: datetime, hours: int = 24, **filters) -> Rate:
    """接通率 over the `hours` from `start` (any half-hour), answered / offered."""
    report = call_figures(start, start + timedelta(hours=hours), by="period", **filters)
    return report.total.connection_rate
