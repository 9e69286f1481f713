"""Which time limits apply to an order, and when they fall.

Each limit (签收, 办理, 回访) is taken from the most specific active policy
that sets it: urgency first (an emergency is an emergency whatever its
category), then the deepest matching category, then the order type.
"""

from dataclasses import dataclass

from rexian.core.snapshot import Snapshot
from rexian.directory.cache import category_path
from rexian.orders.models import DeadlinePolicy
from rexian.workdays.calendar import Deadline, add_hours, add_working_days

# Used only when no policy row sets a limit, so a misconfigured centre still gets deadlines.
FALLBACK = {"accept": ("workdays", 1), "handle": ("workdays", 15), "callback": ("workdays", 2)}


@dataclass(frozen=True)
class Limits:
    accept: tuple[str, int]
    handle: tuple[str, int]
    callback: tuple[str, int]


def _specificity(policy: DeadlinePolicy, category_depths: dict[int, int]) -> tuple:
    return (
        bool(policy.urgency),
        category_depths.get(policy.category_id, 0) if policy.category_id else 0,
        bool(policy.order_type),
    )


def _active_policies() -> list[DeadlinePolicy]:
    return list(DeadlinePolicy.objects.filter(active=True))


policies = Snapshot(_active_policies)


def limits_for(category, order_type: str, urgency: str) -> Limits:
    active = policies.get()
    path = category_path(category) if category is not None else ""
    ancestors = [int(part) for part in path.strip("/").split("/") if part]
    depths = {pk: index + 1 for index, pk in enumerate(ancestors)}
    candidates = [
        policy
        for policy in active
        if (policy.category_id is None or policy.category_id in depths)
        and policy.order_type in ("", order_type)
        and policy.urgency in ("", urgency)
    ]
    candidates.sort(key=lambda policy: _specificity(policy, depths), reverse=True)

    def pick(short_field: str | None, short_unit: str, long_field: str, key: str):
        for policy in candidates:
            if short_field and getattr(policy, short_field):
                return (short_unit, getattr(policy, short_field))
            if getattr(policy, long_field):
                return ("workdays", getattr(policy, long_field))
        return FALLBACK[key]

    return Limits(
        accept=pick("accept_minutes", "minutes", "accept_workdays", "accept"),
        handle=pick("handle_hours", "hours", "handle_workdays", "handle"),
        callback=pick(None, "", "callback_workdays", "callback"),
    )


def deadline_after(start, limit: tuple[str, int]) -> Deadline:
    unit, amount = limit
    if unit == "minutes":
        return add_hours(start, amount / 60)
    if unit == "hours":
        return add_hours(start, amount)
    return add_working_days(start, amount)
