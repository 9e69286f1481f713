"""Chinese names of timeline events, for the web UI, the API and exports alike."""

from django.utils.translation import gettext_lazy as _

from rexian.orders.services.workflow import ACTIONS

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
