"""One order: its record, its history, and the actions the workflow offers this user."""

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rexian.orders import privacy, queues
from rexian.orders.choices import DISPATCH_ACTIONS, MASTER_STATES
from rexian.orders.events import visible_orders
from rexian.orders.models import WorkOrder
from rexian.orders.services import workflow
from rexian.orders.services.errors import InvalidInput, UnknownAction, WorkflowError
from rexian.orders.views.base import show_errors, visible_order
from rexian.routing import suggestions
from rexian.routing.duplicates import repeat_call_orders, similar_open_orders
from rexian.routing.models import ModelKind

DETAIL_RELATIONS = ("citizen", "category", "current_unit", "created_by", "master")
# Actions that end or undo something: listed last, in red, and confirmed before sending.
DANGER_ACTIONS = frozenset({"void", "transfer", "return", "reject", "reject_extension", "merge"})


@dataclass(frozen=True)
class Panel:
    action: workflow.Action
    form: forms.Form
    danger: bool


def _action_form(spec, data=None, initial=None):
    """The action's form with ids unique on a page that shows several actions."""
    form = spec.form(data=data, initial=initial, auto_id=f"id_{spec.name}_%s")
    queues.prepare_choices(form)
    return form


def _render(request, order, failed=None):
    """The detail page; `failed` is (action name, bound form) of an action refused as invalid input."""
    failed_name, failed_form = failed or ("", None)
    available = workflow.available_actions(order, request.user)
    routing = _routing_help(order, request.user, {spec.name for spec in available}, request.GET.get("merge_master", ""))
    # What came in and went out on the citizen's channel, with delivery status (rexian.channels).
    channel_messages = list(order.channel_messages.prefetch_related("attachments"))
    events = list(order.events.select_related("actor", "unit"))
    panels = sorted(
        (
            Panel(
                spec,
                failed_form if spec.name == failed_name else _action_form(spec, initial=routing.get("initial", {}).get(spec.name)),
                spec.name in DANGER_ACTIONS,
            )
            for spec in available
        ),
        key=lambda panel: panel.danger,
    )
    context = {
        "order": order,
        "citizen": privacy.audited_citizen_view(order, request.user, request),
        "panels": panels,
        "failed_action": failed_name,
        "assignments": order.assignments.select_related("unit", "dispatched_by", "accepted_by"),
        "replies": order.replies.select_related("unit", "author", "reviewed_by"),
        "extensions": order.extensions.select_related("unit", "requested_by", "decided_by"),
        "supervisions": order.supervisions.select_related("unit", "issued_by"),
        "callbacks": order.callbacks.select_related("agent"),
        "events": events,
        "visible_orders": visible_orders(events, request.user),
        # Only the children this user may open: a department sees the master, not
        # duplicates merged in before any assignment reached it.
        "merged_orders": WorkOrder.objects.visible_to(request.user).filter(master=order).order_by("number"),
        "channel_messages": channel_messages,
        # What the citizen sent along (portal and WeChat photos, e-mail attachments): rexian.channels.attachments.
        "attachments": [attachment for message in channel_messages for attachment in message.attachments.all()],
        "routing": routing,
    }
    return render(request, "orders/detail.html", context)




def _routing_help(order, user, available: set[str], merge_master: str = "") -> dict:
    """For whoever may dispatch: suggested units and categories, the catalogue rule
    behind the unit (assisting units, 依据), and 并单 candidates.

    What the dispatch forms start with is rexian.routing.suggestions.dispatch_initial
    (the unit only when the catalogue and a confident model agree).
    `merge_master` (?merge_master=<number>, the candidates' "设为主工单" link)
    fills the merge form's master field when it names one of the candidates.
    """
    if not available & {*DISPATCH_ACTIONS, "merge"}:
        return {}
    unit = suggestions.for_order(order, ModelKind.UNIT)
    category = suggestions.for_order(order, ModelKind.CATEGORY)
    preselect = suggestions.preselected_unit(unit)
    rule = suggestions.catalogue_rule(order, unit)
    similar = similar_open_orders(user, f"{order.title} {order.content} {order.address}", order.area_code,
                                  exclude_phone=order.contact_phone, exclude=order)
    repeat = repeat_call_orders(user, order)
    initial = {name: values for name, values in suggestions.dispatch_initial(order, unit, category, rule).items()
               if name in available}
    can_merge = "merge" in available
    masters = {other.number for other, _score in similar} | {call.order.number for call in repeat}
    if can_merge and merge_master in masters:
        initial["merge"] = {"master": merge_master}
    return {
        "unit": unit,
        "category": category,
        "preselected": preselect,
        "rule": rule,
        "rule_assisting": suggestions.active_assisting(rule),
        # Pre-selected on the first dispatch only (suggestions.dispatch_initial).
        "category_preselected": suggestions.preselected_category(category) if "dispatch" in available else None,
        "initial": initial,
        "similar": similar,
        # (RepeatCall, may be picked as merge master here): the same caller's other open orders.
        "repeat": [(call, can_merge and call.order.state in MASTER_STATES) for call in repeat],
        "can_merge": can_merge,
    }


@login_required
def detail(request, number):
    return _render(request, visible_order(request.user, number, *DETAIL_RELATIONS))


@require_POST
@login_required
def perform_action(request, number, name):
    """Run one workflow action from the detail page's form; the service does the checking.

    The form carries the order's version as the user saw it, so acting on a
    stale page is reported as a conflict instead of overwriting someone's change.
    """
    order = visible_order(request.user, number, *DETAIL_RELATIONS)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        messages.error(request, _("页面已过期，请刷新后再操作。"))
        return redirect("orders:detail", number)
    try:
        workflow.perform(order, name, request.user, request.POST, expected_version=version)
    except UnknownAction:
        raise Http404(name) from None
    except InvalidInput as error:
        form = _action_form(workflow.ACTIONS[name], data=request.POST)
        show_errors(form, error)
        messages.error(request, error.message)
        return _render(request, order, failed=(name, form))
    except WorkflowError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已完成“%(a)s”。") % {"a": workflow.ACTIONS[name].label})
    return redirect("orders:detail", number)
