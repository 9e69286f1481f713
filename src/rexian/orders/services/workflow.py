"""Every transition of a work order, its rules, and who may take it.

Views, the API, the CLI and the worker all come here: `perform()` locks the
order row, checks role, state and version, runs the action and writes its
event in the same database transaction. Nothing else changes an order's state.
"""

from dataclasses import dataclass, field
from typing import Callable

from django.conf import settings
from django.db import OperationalError, transaction
from django.db.models import Case, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rexian.accounts.roles import Role
from rexian.callbacks.choices import CallbackResult, CallbackStatus
from rexian.callbacks.models import Callback
from rexian.callbacks.sampling import needs_callback
from rexian.orders import action_forms as f
from rexian.orders.choices import (
    MASTER_STATES,
    OPEN_STATES,
    AssignmentRole,
    AssignmentStatus,
    ExtensionStatus,
    ReviewStatus,
    State,
    SupervisionKind,
)
from rexian.orders.models import (
    Assignment,
    ExtensionRequest,
    Notification,
    Reply,
    Supervision,
    WorkOrder,
    WorkOrderEvent,
)
from rexian.orders.services import deadlines
from rexian.orders.services.errors import Conflict, InvalidInput, InvalidTransition, NotAllowed, UnknownAction


@dataclass
class Context:
    """What an action handler gets: the locked order, the actor, clean input."""

    order: WorkOrder
    user: object
    data: dict
    now: object
    events: list = field(default_factory=list)

    def event(self, action: str, to_state: str = "", unit=None, note: str = "", **data) -> None:
        self.events.append(dict(action=action, to_state=to_state, unit=unit, note=note, data=data))

    def move(self, state: str) -> None:
        self.order.state = state


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    roles: frozenset
    states: frozenset
    form: type
    run: Callable[[Context], None]
    # An extra rule beyond role and state; returns why the action is refused, or "".
    guard: Callable[[WorkOrder, object], str] | None = None


ACTIONS: dict[str, Action] = {}


def action(name, label, roles, states, form, guard=None):
    def register(run):
        ACTIONS[name] = Action(name, label, frozenset(roles), frozenset(states), form, run, guard)
        return run

    return register


# ---------------------------------------------------------------- helpers


def _my_assignment(order: WorkOrder, user, statuses, role=None) -> Assignment | None:
    """The user's unit's live assignment on this order (their unit or a sub-unit)."""
    if user.role == Role.ADMIN:
        queryset = order.assignments.filter(unit=order.current_unit)
    elif user.role == Role.DEPARTMENT and user.department_id:
        queryset = order.assignments.filter(unit__path__startswith=user.department.path)
    else:
        return None
    queryset = queryset.filter(status__in=statuses)
    if role:
        queryset = queryset.filter(role=role)
    # The user's own unit before a sub-unit, a lead before an assisting unit: when
    # 住建局 leads and its 物业科 assists, 住建局's accept is the lead's accept.
    own_unit_first = Case(When(unit_id=user.department_id, then=0), default=1)
    lead_first = Case(When(role=AssignmentRole.LEAD, then=0), default=1)
    return queryset.order_by(own_unit_first, lead_first, "-dispatched_at", "-id").first()


def _needs_lead(statuses):
    def guard(order, user):
        if _my_assignment(order, user, statuses, AssignmentRole.LEAD) is None:
            return _("该工单当前不由您的单位主办。")
        return ""

    return guard


def _pending_extension(order):
    return order.extensions.filter(status=ExtensionStatus.PENDING).first()


def _create_assignments(ctx: Context, lead, assisting, designated=False, parent=None) -> Assignment:
    order = ctx.order
    accept = deadlines.deadline_after(ctx.now, deadlines.limits_for(order.category, order.order_type, order.urgency).accept)
    lead_assignment = Assignment.objects.create(
        order=order,
        unit=lead,
        role=AssignmentRole.LEAD,
        designated=designated,
        parent=parent,
        dispatched_by=ctx.user,
        dispatched_at=ctx.now,
        accept_deadline=accept.at,
    )
    for unit in assisting:
        Assignment.objects.create(
            order=order,
            unit=unit,
            role=AssignmentRole.ASSIST,
            dispatched_by=ctx.user,
            dispatched_at=ctx.now,
            accept_deadline=accept.at,
        )
    order.current_unit = lead
    order.accept_deadline, order.accept_provisional = accept.at, accept.provisional
    return lead_assignment


def _to_callback_or_close(ctx: Context, order: WorkOrder, direct: bool) -> None:
    """After an accepted reply: sample for callback, or close with the exemption recorded."""
    wanted, exemption = needs_callback(order, direct)
    if wanted:
        limit = deadlines.limits_for(order.category, order.order_type, order.urgency).callback
        Callback.objects.create(order=order, due_at=deadlines.deadline_after(ctx.now, limit).at, created_at=ctx.now)
        order.state = State.CALLBACK
    else:
        order.callback_exemption = exemption
        order.state = State.CLOSED
        order.closed_at = ctx.now


def _touch(other: WorkOrder, now) -> None:
    """Bump the version of an order changed alongside the one acted on (a master, a merged order).

    Guarded like perform()'s own bump: on SQLite, which has no row locks, it is
    what turns a concurrent change of that order into a Conflict, and it tells
    ETag/If-Match clients of that order that something happened to it.
    """
    if not WorkOrder.objects.filter(pk=other.pk, version=other.version).update(version=other.version + 1, updated_at=now):
        raise Conflict(_("工单 %(n)s 已被他人更新，请刷新后再操作。") % {"n": other.number})
    other.version, other.updated_at = other.version + 1, now


def _follow_master(ctx: Context, direct: bool, on_time: bool) -> None:
    """Merged orders share the master's reply; each citizen still gets a callback."""
    for child in ctx.order.merged_orders.select_for_update().filter(state=State.MERGED):
        before = child.state
        _to_callback_or_close(ctx, child, direct)
        _touch(child, ctx.now)
        child.save()
        _write_event(child, ctx.user, "follow_master", before, child.state, None, "", {"master": ctx.order.number, "on_time": on_time}, ctx.now)


def _follow_master_back(ctx: Context) -> None:
    """The master goes to 重办: its merged orders still waiting for their callback go back
    with it (their callback is for an answer that no longer stands) and follow its next
    approval. Those already called back and closed stay closed."""
    for child in ctx.order.merged_orders.select_for_update().filter(state=State.CALLBACK):
        child.callbacks.filter(status=CallbackStatus.PENDING).update(status=CallbackStatus.CANCELLED, completed_at=ctx.now)
        child.state = State.MERGED
        _touch(child, ctx.now)
        child.save()
        _write_event(child, ctx.user, "follow_master_redo", State.CALLBACK, State.MERGED, None, "",
                     {"master": ctx.order.number}, ctx.now)


def _on_time(order, replied_at) -> bool:
    """按时办结: the accepted answer came by the handling deadline (recorded for the KPIs)."""
    return order.due_at is None or replied_at <= order.due_at


def _notify_unit(order, unit, kind, message, now):
    if unit is not None:
        Notification.objects.create(order=order, unit=unit, kind=kind, message=message[:300], created_at=now)


# ---------------------------------------------------------------- agent


@action("direct_answer", gettext_lazy("直接答复"), {Role.AGENT, Role.DISPATCHER}, {State.REGISTERED}, f.DirectAnswerForm)
def _direct_answer(ctx):
    Reply.objects.create(
        order=ctx.order,
        author=ctx.user,
        result="explained",
        content=ctx.data["content"],
        direct=True,
        review_status=ReviewStatus.APPROVED,
        created_at=ctx.now,
    )
    _to_callback_or_close(ctx, ctx.order, direct=True)
    on_time = _on_time(ctx.order, ctx.now)
    ctx.event(
        "direct_answer", ctx.order.state, note=ctx.data["content"], reference=ctx.data.get("reference", ""),
        on_time=on_time,
    )
    _follow_master(ctx, direct=True, on_time=on_time)


def _no_merged_children(order, user):
    if order.merged_orders.filter(state=State.MERGED).exists():
        return _("该工单有并入的工单，请先解除并单。")
    return ""


@action(
    "transfer", _("转出"), {Role.AGENT, Role.DISPATCHER}, {State.REGISTERED}, f.TransferForm, _no_merged_children
)
def _transfer(ctx):
    ctx.move(State.TRANSFERRED)
    ctx.order.closed_at = ctx.now
    ctx.order.callback_exemption = _("已转出") + ctx.data["target"]
    ctx.event("transfer", State.TRANSFERRED, note=ctx.data.get("note", ""), target=ctx.data["target"])


@action(
    "void",
    gettext_lazy("作废"),
    {Role.AGENT, Role.DISPATCHER},
    {State.REGISTERED, State.RETURNED},
    f.ReasonForm,
    _no_merged_children,
)
def _void(ctx):
    ctx.move(State.VOIDED)
    ctx.order.closed_at = ctx.now
    ctx.order.callback_exemption = _("已作废")
    ctx.order.current_unit = None
    ctx.event("void", State.VOIDED, note=ctx.data["reason"])


# ---------------------------------------------------------------- dispatcher


@action("dispatch", gettext_lazy("派单"), {Role.DISPATCHER}, {State.REGISTERED}, f.DispatchForm)
def _dispatch(ctx):
    _dispatch_to(ctx, "dispatch")


def _dispatch_to(ctx, name, designated=False):
    lead, assisting = ctx.data["unit"], list(ctx.data.get("assisting") or [])
    corrected = _correct_category(ctx.order, ctx.data.get("category"))
    # After the correction: the accept deadline, set here, follows the corrected
    # category's policy. The handling deadline (due_at) was promised at intake and
    # stays as it is.
    _create_assignments(ctx, lead, assisting, designated=designated)
    ctx.order.dispatch_count += 1
    ctx.move(State.DISPATCHED)
    ctx.event(
        name,
        State.DISPATCHED,
        unit=lead,
        note=ctx.data.get("note", ""),
        assisting=[unit.code for unit in assisting],
        accept_deadline=ctx.order.accept_deadline.isoformat(),
        **corrected,
    )
    _notify_unit(ctx.order, lead, "dispatched", _("新工单待签收：%(n)s %(t)s") % {"n": ctx.order.number, "t": ctx.order.title}, ctx.now)


def _correct_category(order, category) -> dict:
    """Set the category the dispatcher chose (None keeps it); the event data recording the change."""
    if category is None or category.pk == order.category_id:
        return {}
    before = order.category.code if order.category_id else ""
    order.category = category
    return {"category_from": before, "category_to": category.code}


@action("reassign", gettext_lazy("改派"), {Role.DISPATCHER}, {State.RETURNED}, f.DispatchForm)
def _reassign(ctx):
    _dispatch_to(ctx, "reassign")


def _may_designate(order, user):
    needed = settings.REXIAN["DESIGNATE_AFTER_RETURNS"]
    if order.return_count < needed:
        return _("退单 %(n)d 次后才能指定承办单位（目前 %(c)d 次）。") % {"n": needed, "c": order.return_count}
    return ""


@action("designate", gettext_lazy("指定承办"), {Role.DISPATCHER}, {State.RETURNED}, f.DispatchForm, _may_designate)
def _designate(ctx):
    _dispatch_to(ctx, "designate", designated=True)


@action("merge", gettext_lazy("并单"), {Role.DISPATCHER}, {State.REGISTERED, State.RETURNED}, f.MergeForm, _no_merged_children)
def _merge(ctx):
    number = ctx.data["master"].strip()
    master = WorkOrder.objects.select_for_update().filter(number=number).first()
    if master is None:
        raise InvalidInput(_("主工单 %(n)s 不存在。") % {"n": number}, {"master": [_("工单不存在")]})
    if master.pk == ctx.order.pk:
        raise InvalidInput(_("不能并入自己。"), {"master": [_("不能并入自己")]})
    if master.state not in MASTER_STATES:  # see _follow_master
        raise InvalidInput(
            _("主工单 %(n)s 状态为“%(s)s”，不能接受并单。") % {"n": number, "s": master.get_state_display()},
            {"master": [_("主工单已结束或已被并单")]},
        )
    ctx.order.master = master
    ctx.order.current_unit = None
    ctx.move(State.MERGED)
    ctx.event("merge", State.MERGED, note=ctx.data.get("note", ""), master=master.number)
    _write_event(master, ctx.user, "merge_in", master.state, master.state, None, "", {"merged": ctx.order.number}, ctx.now)
    _touch(master, ctx.now)


@action("unmerge", gettext_lazy("解除并单"), {Role.DISPATCHER}, {State.MERGED}, f.RequiredNoteForm)
def _unmerge(ctx):
    """Back to 待派单 as an order of its own; both timelines record why."""
    master = WorkOrder.objects.select_for_update().get(pk=ctx.order.master_id)
    ctx.order.master = None
    ctx.move(State.REGISTERED)
    ctx.event("unmerge", State.REGISTERED, note=ctx.data["note"], master=master.number)
    _write_event(master, ctx.user, "unmerge_out", master.state, master.state, None, ctx.data["note"],
                 {"unmerged": ctx.order.number}, ctx.now)
    _touch(master, ctx.now)


def _has_pending_extension(order, user):
    return "" if _pending_extension(order) else _("没有待审批的延期申请。")


@action(
    "approve_extension",
    gettext_lazy("批准延期"),
    {Role.DISPATCHER},
    {State.DISPATCHED, State.HANDLING},
    f.NoteForm,
    _has_pending_extension,
)
def _approve_extension(ctx):
    request = _pending_extension(ctx.order)
    base = max(ctx.order.due_at or ctx.now, ctx.now)
    new_due = deadlines.deadline_after(base, ("workdays", request.workdays))
    request.status, request.decided_by, request.decided_at = ExtensionStatus.APPROVED, ctx.user, ctx.now
    request.decision_note, request.old_due_at, request.new_due_at = ctx.data.get("note", ""), ctx.order.due_at, new_due.at
    request.save()
    ctx.order.due_at, ctx.order.due_provisional = new_due.at, new_due.provisional
    ctx.order.due_soon_notified_at = ctx.order.overdue_notified_at = None
    ctx.event(
        "approve_extension",
        note=ctx.data.get("note", ""),
        workdays=request.workdays,
        old_due_at=request.old_due_at.isoformat() if request.old_due_at else None,
        new_due_at=new_due.at.isoformat(),
    )
    _notify_unit(ctx.order, request.unit, "extension", _("延期申请已批准：%(n)s") % {"n": ctx.order.number}, ctx.now)


@action(
    "reject_extension",
    gettext_lazy("驳回延期"),
    {Role.DISPATCHER},
    {State.DISPATCHED, State.HANDLING},
    f.RequiredNoteForm,
    _has_pending_extension,
)
def _reject_extension(ctx):
    request = _pending_extension(ctx.order)
    request.status, request.decided_by, request.decided_at = ExtensionStatus.REJECTED, ctx.user, ctx.now
    request.decision_note = ctx.data["note"]
    request.save()
    ctx.event("reject_extension", note=ctx.data["note"], workdays=request.workdays)
    _notify_unit(ctx.order, request.unit, "extension", _("延期申请被驳回：%(n)s") % {"n": ctx.order.number}, ctx.now)


# ---------------------------------------------------------------- department


def _has_pending_assignment(order, user):
    if _my_assignment(order, user, [AssignmentStatus.PENDING]) is None:
        return _("您的单位没有待签收的派单。")
    return ""


@action("accept", gettext_lazy("签收"), {Role.DEPARTMENT}, {State.DISPATCHED, State.HANDLING}, f.NoteForm, _has_pending_assignment)
def _accept(ctx):
    assignment = _my_assignment(ctx.order, ctx.user, [AssignmentStatus.PENDING])
    assignment.status, assignment.accepted_at, assignment.accepted_by = AssignmentStatus.ACCEPTED, ctx.now, ctx.user
    assignment.save()
    late = bool(assignment.accept_deadline and ctx.now > assignment.accept_deadline)
    if assignment.role == AssignmentRole.LEAD:
        ctx.move(State.HANDLING)
    ctx.event("accept", ctx.order.state, unit=assignment.unit, note=ctx.data.get("note", ""), role=assignment.role, late=late)


def _may_return(order, user):
    assignment = _my_assignment(order, user, [AssignmentStatus.PENDING], AssignmentRole.LEAD)
    if assignment is None:
        return _("您的单位没有待签收的主办派单。")
    if assignment.designated:
        return _("该工单为指定承办，不能退单。")
    if assignment.accept_deadline and timezone.now() > assignment.accept_deadline:
        return _("已超过签收时限，不能退单，请签收后办理或申请协调。")
    return ""


@action("return", gettext_lazy("退单"), {Role.DEPARTMENT}, {State.DISPATCHED}, f.ReasonForm, _may_return)
def _return(ctx):
    assignment = _my_assignment(ctx.order, ctx.user, [AssignmentStatus.PENDING], AssignmentRole.LEAD)
    assignment.status, assignment.returned_at = AssignmentStatus.RETURNED, ctx.now
    assignment.return_reason = ctx.data["reason"]
    assignment.save()
    if assignment.parent_id:
        # Passed down by a parent unit: the order goes back to that unit, not to the centre.
        parent = assignment.parent
        parent.status = AssignmentStatus.ACCEPTED
        parent.save()
        ctx.order.current_unit = parent.unit
        ctx.move(State.HANDLING)
    else:
        ctx.order.assignments.filter(role=AssignmentRole.ASSIST, status=AssignmentStatus.PENDING).update(
            status=AssignmentStatus.RETURNED, returned_at=ctx.now, return_reason=_("主办单位退单")
        )
        ctx.order.return_count += 1
        ctx.order.current_unit = None
        ctx.move(State.RETURNED)
    ctx.event("return", ctx.order.state, unit=assignment.unit, note=ctx.data["reason"])


@action(
    "pass_down",
    gettext_lazy("下派"),
    {Role.DEPARTMENT},
    {State.HANDLING},
    f.PassDownForm,
    _needs_lead([AssignmentStatus.ACCEPTED]),
)
def _pass_down(ctx):
    current = _my_assignment(ctx.order, ctx.user, [AssignmentStatus.ACCEPTED], AssignmentRole.LEAD)
    target = ctx.data["unit"]
    if not (target.path.startswith(current.unit.path) and target.pk != current.unit.pk):
        raise InvalidInput(_("只能下派给本单位的下级单位。"), {"unit": [_("不是本单位的下级单位")]})
    current.status = AssignmentStatus.PASSED_DOWN
    current.save()
    _create_assignments(ctx, target, [], parent=current)
    ctx.move(State.DISPATCHED)
    ctx.event("pass_down", State.DISPATCHED, unit=target, note=ctx.data.get("note", ""), by_unit=current.unit.code)
    _notify_unit(ctx.order, target, "dispatched", _("上级下派工单待签收：%(n)s") % {"n": ctx.order.number}, ctx.now)


def _may_request_extension(order, user):
    reason = _needs_lead([AssignmentStatus.ACCEPTED])(order, user)
    if reason:
        return reason
    if _pending_extension(order):
        return _("已有待审批的延期申请。")
    if order.due_at and timezone.now() > order.due_at:
        return _("已超过办理时限，不能再申请延期。")
    return ""


@action("request_extension", gettext_lazy("申请延期"), {Role.DEPARTMENT}, {State.HANDLING}, f.ExtensionForm, _may_request_extension)
def _request_extension(ctx):
    assignment = _my_assignment(ctx.order, ctx.user, [AssignmentStatus.ACCEPTED], AssignmentRole.LEAD)
    ExtensionRequest.objects.create(
        order=ctx.order,
        unit=assignment.unit,
        requested_by=ctx.user,
        workdays=ctx.data["workdays"],
        reason=ctx.data["reason"],
        requested_at=ctx.now,
    )
    ctx.event("request_extension", unit=assignment.unit, note=ctx.data["reason"], workdays=ctx.data["workdays"])


@action("reply", gettext_lazy("答复"), {Role.DEPARTMENT}, {State.HANDLING}, f.ReplyForm, _needs_lead([AssignmentStatus.ACCEPTED]))
def _reply(ctx):
    assignment = _my_assignment(ctx.order, ctx.user, [AssignmentStatus.ACCEPTED], AssignmentRole.LEAD)
    assignment.status = AssignmentStatus.DONE
    assignment.save()
    Reply.objects.create(
        order=ctx.order,
        unit=assignment.unit,
        author=ctx.user,
        result=ctx.data["result"],
        content=ctx.data["content"],
        reason=ctx.data.get("reason", ""),
        created_at=ctx.now,
    )
    # A request for more time is moot once the answer is in.
    ctx.order.extensions.filter(status=ExtensionStatus.PENDING).update(
        status=ExtensionStatus.REJECTED, decided_at=ctx.now, decision_note=_("单位已答复，申请自动关闭")
    )
    ctx.move(State.REPLIED)
    ctx.event("reply", State.REPLIED, unit=assignment.unit, note=ctx.data["content"], result=ctx.data["result"])


# ---------------------------------------------------------------- reviewer


def _pending_reply(order):
    return order.replies.filter(review_status=ReviewStatus.PENDING).order_by("-created_at").first()


@action("approve", gettext_lazy("审核通过"), {Role.REVIEWER}, {State.REPLIED}, f.NoteForm)
def _approve(ctx):
    reply = _pending_reply(ctx.order)
    if reply is not None:
        reply.review_status, reply.reviewed_by, reply.reviewed_at = ReviewStatus.APPROVED, ctx.user, ctx.now
        reply.review_note = ctx.data.get("note", "")
        reply.save()
    replied_at = reply.created_at if reply is not None else ctx.now
    _to_callback_or_close(ctx, ctx.order, direct=False)
    on_time = _on_time(ctx.order, replied_at)
    ctx.event("approve", ctx.order.state, unit=reply.unit if reply else None, note=ctx.data.get("note", ""), on_time=on_time)
    _follow_master(ctx, direct=False, on_time=on_time)


@action("reject", gettext_lazy("退回重办"), {Role.REVIEWER}, {State.REPLIED}, f.RequiredNoteForm)
def _reject(ctx):
    reply = _pending_reply(ctx.order)
    if reply is not None:
        reply.review_status, reply.reviewed_by, reply.reviewed_at = ReviewStatus.REJECTED, ctx.user, ctx.now
        reply.review_note = ctx.data["note"]
        reply.save()
    _reopen_to_last_unit(ctx)
    ctx.event("reject", State.HANDLING, unit=ctx.order.current_unit, note=ctx.data["note"])


def _reopen_to_last_unit(ctx) -> Assignment:
    lead = (
        ctx.order.assignments.filter(role=AssignmentRole.LEAD, status=AssignmentStatus.DONE)
        .order_by("-dispatched_at", "-id")
        .first()
    )
    lead.status = AssignmentStatus.ACCEPTED
    lead.save()
    ctx.order.current_unit = lead.unit
    ctx.move(State.HANDLING)
    return lead


# ---------------------------------------------------------------- callback agent


@action("callback", gettext_lazy("回访"), {Role.CALLBACK}, {State.CALLBACK}, f.CallbackForm)
def _callback(ctx):
    order, data = ctx.order, ctx.data
    callback = order.callbacks.filter(status=CallbackStatus.PENDING).order_by("-created_at").first()
    if callback is None:  # defensive: a callback row always exists in this state
        callback = Callback.objects.create(order=order, created_at=ctx.now)
    callback.attempts += 1
    callback.agent, callback.last_attempt_at = ctx.user, ctx.now
    callback.note = "\n".join(filter(None, [callback.note, data.get("note", "")]))
    result = data["result"]
    if result == CallbackResult.UNREACHABLE:
        if callback.attempts < settings.REXIAN["CALLBACK_MAX_ATTEMPTS"]:
            callback.next_attempt_at = ctx.now + timezone.timedelta(hours=settings.REXIAN["CALLBACK_RETRY_HOURS"])
            callback.save()
            ctx.event("callback_attempt", note=data.get("note", ""), result=result, attempt=callback.attempts)
            return
        callback.status = CallbackStatus.UNREACHABLE
    else:
        callback.status = CallbackStatus.DONE
    callback.result, callback.completed_at = result, ctx.now
    reopen = bool(data.get("reopen"))
    master = None
    if order.master_id:  # a merged citizen, called back on the master's answer
        master = (WorkOrder.objects.select_for_update() if reopen else WorkOrder.objects).get(pk=order.master_id)
    redo_unit = _redo_unit(order, master) if reopen else None
    callback.reopened = reopen
    callback.save()
    if reopen:
        limit = deadlines.limits_for(order.category, order.order_type, order.urgency).handle
        due = deadlines.deadline_after(ctx.now, limit)
        order.due_at, order.due_provisional = due.at, due.provisional
        order.due_soon_notified_at = order.overdue_notified_at = None
        order.redo_count += 1
        if master is None:
            lead = _reopen_to_last_unit(ctx)
            _follow_master_back(ctx)
            ctx.event("redo", State.HANDLING, unit=lead.unit, note=data.get("note", ""), result=result, attempt=callback.attempts)
            message = _("回访不满意，工单重办：%(n)s") % {"n": order.number}
        else:
            lead = _redo_apart_from_master(ctx, master, redo_unit)
            ctx.event(
                "redo", State.HANDLING, unit=lead.unit, note=data.get("note", ""), result=result, attempt=callback.attempts,
                master=master.number,
            )
            message = _("回访不满意，工单重办：%(n)s（原并入 %(m)s 办理）") % {"n": order.number, "m": master.number}
        _notify_unit(order, lead.unit, "redo", message, ctx.now)
        return
    order.closed_at = ctx.now
    ctx.move(State.CLOSED)
    ctx.event(
        "callback", State.CLOSED, unit=_last_handling_unit(master or order), note=data.get("note", ""), result=result,
        attempt=callback.attempts,
    )


def _redo_unit(order, master):
    """The unit a 重办 goes to: the one that gave the answer the citizen judged, or why there is none."""
    unit = _last_handling_unit(master or order)
    if unit is not None:
        return unit
    if master is not None:
        raise InvalidInput(
            _("该工单随主工单 %(m)s 直接答复，没有承办单位，不能转重办：请不选“转重办”完成回访，再为市民重新受理派单。")
            % {"m": master.number},
            {"reopen": [_("主工单为直接答复，没有承办单位")]},
        )
    raise InvalidInput(_("直接答复的工单没有承办单位，不能转重办，请重新受理派单。"), {"reopen": [_("没有承办单位")]})


def _redo_apart_from_master(ctx, master, unit) -> Assignment:
    """重办 for a merged citizen who is not satisfied: the unit that answered the master
    handles this order again on its own, and it leaves the merge (the master and the
    other citizens keep their answer). Both timelines record it."""
    lead = _create_assignments(ctx, unit, [])
    lead.status, lead.accepted_at = AssignmentStatus.ACCEPTED, ctx.now
    lead.save()
    ctx.order.master = None
    ctx.move(State.HANDLING)
    _write_event(
        master, ctx.user, "unmerge_out", master.state, master.state, None, _("被并入的工单回访不满意，单独重办"),
        {"unmerged": ctx.order.number, "redo": True}, ctx.now,
    )
    _touch(master, ctx.now)
    return lead


def _last_handling_unit(order):
    """The unit whose reply the citizen judged (None for a direct answer): satisfaction is counted against it.

    For a merged citizen pass the master: its reply is the one they judged."""
    lead = (
        order.assignments.select_related("unit")
        .filter(role=AssignmentRole.LEAD, status=AssignmentStatus.DONE)
        .order_by("-dispatched_at", "-id")
        .first()
    )
    return lead.unit if lead else None


# ---------------------------------------------------------------- supervisor


def _supervision(kind: str):
    def run(ctx):
        Supervision.objects.create(
            order=ctx.order, kind=kind, unit=ctx.order.current_unit, issued_by=ctx.user, note=ctx.data["note"], created_at=ctx.now
        )
        ctx.event(kind, unit=ctx.order.current_unit, note=ctx.data["note"])
        label = SupervisionKind(kind).label
        _notify_unit(ctx.order, ctx.order.current_unit, kind, f"{label}：{ctx.order.number} {ctx.data['note']}", ctx.now)

    return run


for _kind in SupervisionKind:
    action(_kind.value, _kind.label, {Role.SUPERVISOR}, OPEN_STATES, f.RequiredNoteForm)(_supervision(_kind.value))


# ---------------------------------------------------------------- engine


def _write_event(order, user, name, from_state, to_state, unit, note, data, now):
    return WorkOrderEvent.objects.create(
        order=order,
        action=name,
        actor=user if getattr(user, "pk", None) else None,
        actor_role=getattr(user, "role", "") or "",
        from_state=from_state,
        to_state=to_state,
        unit=unit,
        note=note,
        data=data,
        created_at=now,
    )


def refusal(order: WorkOrder, user, spec: Action) -> str:
    """Why `user` may not take `spec` on `order` now, or "" when they may."""
    if not user.has_role(*spec.roles):
        return _("您的角色不能执行“%(a)s”。") % {"a": spec.label}
    if order.state not in spec.states:
        return _("工单状态为“%(s)s”，不能执行“%(a)s”。") % {"s": order.get_state_display(), "a": spec.label}
    return spec.guard(order, user) if spec.guard else ""


def available_actions(order: WorkOrder, user) -> list[Action]:
    return [spec for spec in ACTIONS.values() if not refusal(order, user, spec)]


def _allowed_names(order, user) -> list[str]:
    return [spec.name for spec in available_actions(order, user)]


def perform(order: WorkOrder, name: str, user, data: dict | None = None, expected_version: int | None = None) -> WorkOrder:
    """Take action `name` on `order` as `user`, or raise a WorkflowError.

    The order is re-read under a row lock, so the state checked is the state
    changed; `expected_version` (from a form or an API client) turns a stale
    view of the order into a Conflict instead of a blind overwrite.
    """
    spec = ACTIONS.get(name)
    if spec is None:
        raise UnknownAction(_("没有名为“%(a)s”的操作。") % {"a": name}, allowed=sorted(ACTIONS))
    form = spec.form(data=data or {})
    if not form.is_valid():
        errors = {key: [str(message) for message in messages] for key, messages in form.errors.items()}
        raise InvalidInput(_("“%(a)s”的参数有误，请按提示修改后重试。") % {"a": spec.label}, errors)
    try:
        return _perform_locked(order, spec, user, form.cleaned_data, expected_version)
    except OperationalError as error:
        # Merging locks a second order (the master): two dispatchers merging a pair
        # into each other deadlock, and PostgreSQL rolls one back. For that user it
        # is an ordinary conflict, not a server error.
        if getattr(error.__cause__, "sqlstate", None) == "40P01":
            raise Conflict(_("工单 %(n)s 正在被他人处理，请刷新后再操作。") % {"n": order.number}) from None
        raise


def _perform_locked(order, spec, user, cleaned_data, expected_version):
    with transaction.atomic():
        locked = WorkOrder.objects.select_for_update(of=("self",)).select_related("current_unit", "category").get(pk=order.pk)
        if expected_version is not None and locked.version != expected_version:
            raise Conflict(
                _("工单 %(n)s 已被他人更新（当前状态“%(s)s”），请刷新后再操作。")
                % {"n": locked.number, "s": locked.get_state_display()},
                state=locked.state,
                version=locked.version,
            )
        if not user.has_role(*spec.roles):
            raise NotAllowed(refusal(locked, user, spec), allowed=_allowed_names(locked, user))
        reason = refusal(locked, user, spec)
        if reason:
            raise InvalidTransition(reason, state=locked.state, allowed=_allowed_names(locked, user))
        ctx = Context(order=locked, user=user, data=cleaned_data, now=timezone.now())
        from_state, version = locked.state, locked.version
        spec.run(ctx)
        # The version guard is what makes the lock real on SQLite, which has no row locks.
        if not WorkOrder.objects.filter(pk=locked.pk, version=version).update(version=version + 1):
            raise Conflict(_("工单 %(n)s 已被他人更新，请刷新后再操作。") % {"n": locked.number})
        locked.version, locked.updated_at = version + 1, ctx.now
        locked.save()
        state = from_state
        for event in ctx.events:
            to_state = event["to_state"] or state
            _write_event(locked, user, event["action"], state, to_state, event["unit"], event["note"], event["data"], ctx.now)
            state = to_state
    return locked
