"""Presentation helpers for orders: state badges, deadlines, event labels, citizen data."""

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from rexian.accounts.roles import Role
from rexian.callbacks.choices import CallbackResult
from rexian.directory.models import Category
from rexian.orders import privacy
from rexian.orders.choices import ReplyResult, State, TransferTarget, Urgency
from rexian.orders.events import event_label, visible_data

register = template.Library()


@register.filter
def action_label(name: str) -> str:
    return event_label(name)


_NOTIFICATION_KINDS = {"dispatched": _("新派单"), "extension": _("延期"), "redo": _("重办"), "due_soon": _("临期")}


@register.filter
def notification_kind(kind: str) -> str:
    return _NOTIFICATION_KINDS.get(kind) or action_label(kind)


@register.filter
def role_label(role: str) -> str:
    return _label(Role, role) if role else ""


def _label(choices, value) -> str:
    try:
        return choices(value).label
    except ValueError:
        return value


@register.filter
def state_badge(state: str):
    if not state:
        return ""
    return format_html('<span class="badge state-{}">{}</span>', state, _label(State, state))


@register.filter
def urgency_badge(urgency: str):
    if urgency == Urgency.NORMAL:
        return _label(Urgency, urgency)
    return format_html('<span class="badge urgency-{}">{}</span>', urgency, _label(Urgency, urgency))


@register.filter
def event_detail(event, visible_orders: set) -> str:
    """The few facts in an event's data worth a line in the timeline; other orders are
    named only if in `visible_orders` (rexian.orders.events.visible_orders)."""
    data = visible_data(event, visible_orders)
    parts = []
    if "result" in data:
        choices = CallbackResult if event.action in ("callback", "callback_attempt", "redo") else ReplyResult
        parts.append(_("结果：%(r)s") % {"r": _label(choices, data["result"])})
    if data.get("workdays"):
        parts.append(_("延期 %(d)s 个工作日") % {"d": data["workdays"]})
    if data.get("target"):
        parts.append(_("转至 %(t)s") % {"t": _label(TransferTarget, data["target"])})
    if data.get("master"):
        parts.append(_("主工单 %(n)s") % {"n": data["master"]})
    if data.get("merged"):
        parts.append(_("并入 %(n)s") % {"n": data["merged"]})
    if data.get("assisting"):
        parts.append(_("协办 %(u)s") % {"u": "、".join(data["assisting"])})
    if data.get("late"):
        parts.append(_("超时签收"))
    if data.get("category_to"):  # corrected at dispatch: rare, so the names are looked up here
        codes = [data.get("category_from") or "", data["category_to"]]
        names = dict(Category.objects.filter(code__in=codes).values_list("code", "name"))
        before, after = (names.get(code, code) or "—" for code in codes)
        parts.append(_("分类更正：%(a)s → %(b)s") % {"a": before, "b": after})
    return "；".join(str(part) for part in parts)


@register.inclusion_tag("orders/includes/deadline.html")
def deadline(at, provisional=False, overdue=False, due_soon=False):
    """A deadline with its 超期/临期 badge and, when guessed, the （暂定） mark."""
    return {"at": at, "provisional": provisional, "overdue": overdue, "due_soon": due_soon}


@register.inclusion_tag("orders/includes/deadline.html")
def order_deadline(order):
    now = timezone.now()
    return deadline(order.due_at, order.due_provisional, order.is_overdue(now), order.is_due_soon(now))


@register.simple_tag(takes_context=True)
def citizen_of(context, order):
    """The citizen as the current user may see them in a list (masked or 保密)."""
    return privacy.citizen_view(order, context["request"].user)


@register.filter
def minutes(duration) -> int:
    return int(duration.total_seconds() // 60) if duration else 0
