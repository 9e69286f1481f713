"""Timeline events as people read them, in the web UI, the API and exports alike:
their Chinese names, and their data as the viewer may see it."""

from django.utils.translation import gettext_lazy as _

from rexian.orders.models import WorkOrder
from rexian.orders.services.workflow import ACTIONS

# Keys of an event's data that name another order (the master's merge_in / unmerge_out).
OTHER_ORDERS = ("merged", "unmerged")

# Events that are not user actions, or whose timeline wording differs from the button.
EVENT_LABELS = {
    "register": _("受理登记"),
    "merge_in": _("并入工单"),
    "follow_master": _("随主工单办结"),
    "follow_master_redo": _("随主工单重办"),
    "callback_attempt": _("回访未接通"),
    "redo": _("回访不满意重办"),
    "due_soon": _("临期提醒"),
    "overdue": _("超期"),
    "citizen_message": _("市民补充信息"),
    "unmerge_out": _("解除并入的工单"),
    "citizen_rating": _("市民网上评价"),
}


def event_label(name: str) -> str:
    """The workflow's own label where there is one."""
    if name in EVENT_LABELS:
        return EVENT_LABELS[name]
    spec = ACTIONS.get(name)
    return spec.label if spec else name


def visible_orders(events, user) -> set[str]:
    """The numbers of other orders named in `events` that `user` may see, in one query:
    a unit handling a master must not learn the numbers of duplicates merged before it came."""
    named = {(event.data or {}).get(key) for event in events for key in OTHER_ORDERS} - {None, ""}
    if not named:
        return set()
    return set(WorkOrder.objects.visible_to(user).filter(number__in=named).values_list("number", flat=True))


def visible_data(event, visible: set[str]) -> dict:
    """The event's data, other orders named only if in `visible` (visible_orders())."""
    data = event.data or {}
    return {key: value for key, value in data.items() if key not in OTHER_ORDERS or value in visible}
