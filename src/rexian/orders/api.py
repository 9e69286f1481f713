"""The work-order API: intake, the list, the detail with its timeline, and workflow actions.

Endpoints only fetch orders through `visible_to`, call the service layer and
shape its results; every rule lives in `services/` (STYLE.md #5).
"""

from datetime import datetime
from typing import Annotated

from django.db.models import Prefetch, Q
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Body, Header, Query, Router, Schema, Status
from pydantic import Field, WithJsonSchema, field_validator

from rexian.accounts.roles import Role
from rexian.api.versions import expected_version
from rexian.api.errors import ApiError, invalid_input
from rexian.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, keyset_page
from rexian.api.schemas import Choice, Ref, UserRef, choice, form_data, form_schema, parse, ref, user_ref
from rexian.callbacks.models import Callback
from rexian.core.audit import AuditAction, record
from rexian.core.masking import normalize_phone
from rexian.directory.models import Category, Department
from rexian.orders.choices import Channel, OrderType, State, Urgency
from rexian.orders.intake_forms import IntakeForm
from rexian.orders.models import (
    Assignment,
    Citizen,
    ExtensionRequest,
    Reply,
    Supervision,
    WorkOrder,
    WorkOrderEvent,
)
from rexian.orders.privacy import CitizenView, audited_citizen_view, citizen_view, sees_full_phones
from rexian.orders.queues import QUEUES, with_list_relations
from rexian.orders.services import intake, workflow
from rexian.orders.events import event_label, visible_data, visible_orders
from rexian.routing.duplicates import similar_open_orders

router = Router(tags=["orders"])
CALLER_HISTORY_LIMIT = 20  # as the intake screen's caller-history panel

# ---------------------------------------------------------------- input

OrderIn = form_schema(IntakeForm, "OrderIn")

_VERSION = (int | None, Field(None, description="客户端看到的工单版本；与当前版本不符时返回 409 conflict"))
ACTION_SCHEMAS = {
    name: form_schema(spec.form, f"Action_{name}", version=_VERSION) for name, spec in workflow.ACTIONS.items()
}
# The body is checked against ACTION_SCHEMAS[action] inside the endpoint; OpenAPI lists them all.
ActionBody = Annotated[
    dict | None,
    WithJsonSchema(
        {
            "description": "所选操作的参数（见各 Action_* 结构），可附 version；也可用 If-Match 请求头传版本。",
            "oneOf": [schema.model_json_schema() for schema in ACTION_SCHEMAS.values()],
        }
    ),
]


class OrderFilters(Schema):
    queue: str | None = Field(None, description="工作队列，与网页端首页相同：" + "、".join(QUEUES))
    state: list[State] | None = Field(None, description="状态，可重复或逗号分隔：state=registered,dispatched")
    unit: str | None = Field(None, description="当前承办单位编码（含下级单位）")
    category: str | None = Field(None, description="分类编码（含子分类）")
    channel: Channel | None = None
    order_type: OrderType | None = None
    overdue: bool = Field(False, description="只看已超期的未办结工单")
    due_soon: bool = Field(False, description="只看临期的未办结工单")
    q: str | None = Field(None, description="在编号、标题、内容、地址中查找")
    phone: str | None = Field(
        None, description="来电号码（回访电话或市民的电话、备用电话）；仅限可看完整号码的角色，其他角色 403"
    )
    created_after: datetime | None = Field(None, description="受理时间不早于（含）")
    created_before: datetime | None = Field(None, description="受理时间早于（不含）")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(None, description="上一页返回的 next_cursor")

    @field_validator("state", mode="before")
    @classmethod
    def _split_commas(cls, value):
        values = value if isinstance(value, list) else [value]
        return [part.strip() for item in values for part in str(item).split(",") if part.strip()]


# ---------------------------------------------------------------- output


class CitizenOut(Schema):
    name: str
    phone: str
    id_number: str
    hidden: bool = Field(description="保密工单对承办单位隐藏全部身份信息")
    full: bool = Field(description="未打码的个人信息（详情中查看会写审计日志）")


class OrderSummary(Schema):
    number: str
    title: str
    order_type: Choice
    urgency: Choice
    channel: Choice
    state: Choice
    category: Ref | None
    current_unit: Ref | None
    due_at: datetime | None
    due_provisional: bool
    accept_deadline: datetime | None
    overdue: bool
    due_soon: bool
    confidential: bool
    created_at: datetime
    version: int
    citizen: CitizenOut


class OrderPage(Schema):
    items: list[OrderSummary]
    next_cursor: str | None
    limit: int


class EventOut(Schema):
    action: str
    label: str
    actor: UserRef | None
    actor_role: Choice | None
    from_state: Choice | None
    to_state: Choice | None
    unit: Ref | None
    note: str
    data: dict
    time: datetime


class AssignmentOut(Schema):
    unit: Ref
    role: Choice
    status: Choice
    designated: bool
    dispatched_at: datetime
    dispatched_by: UserRef | None
    accept_deadline: datetime | None
    accepted_at: datetime | None
    accepted_by: UserRef | None
    returned_at: datetime | None
    return_reason: str


class ReplyOut(Schema):
    unit: Ref | None
    author: UserRef | None
    result: Choice
    content: str
    reason: str
    direct: bool
    created_at: datetime
    review_status: Choice
    reviewed_by: UserRef | None
    reviewed_at: datetime | None
    review_note: str


class ExtensionOut(Schema):
    unit: Ref
    requested_by: UserRef | None
    workdays: int
    reason: str
    status: Choice
    requested_at: datetime
    decided_by: UserRef | None
    decided_at: datetime | None
    decision_note: str
    old_due_at: datetime | None
    new_due_at: datetime | None


class SupervisionOut(Schema):
    kind: Choice
    unit: Ref | None
    issued_by: UserRef | None
    note: str
    created_at: datetime


class CallbackOut(Schema):
    status: Choice
    result: Choice | None
    attempts: int
    due_at: datetime | None
    agent: UserRef | None
    note: str
    reopened: bool
    created_at: datetime
    last_attempt_at: datetime | None
    completed_at: datetime | None


class OrderDetail(OrderSummary):
    content: str
    address: str
    area_code: str
    latitude: float | None
    longitude: float | None
    master: str | None = Field(description="并入的主工单编号")
    merged: list[str] = Field(description="并入本工单的工单编号")
    dispatch_count: int
    return_count: int
    redo_count: int
    callback_exemption: str
    closed_at: datetime | None
    updated_at: datetime
    created_by: UserRef | None
    timeline: list[EventOut]
    assignments: list[AssignmentOut]
    replies: list[ReplyOut]
    extensions: list[ExtensionOut]
    supervisions: list[SupervisionOut]
    callbacks: list[CallbackOut]
    allowed_actions: list[str] = Field(description="当前用户此刻可执行的操作名")


class CallerOrderOut(Schema):
    number: str
    title: str
    order_type: Choice
    state: Choice
    open: bool = Field(description="未办结（已并单的工单随主工单，也算未办结）")
    master: str | None = Field(description="已并单时，并入的主工单编号")
    current_unit: Ref | None
    created_at: datetime


class CallerHistoryOut(Schema):
    phone: str = Field(description="规范化后的号码")
    name: str = Field(description="最近一件工单的市民姓名；按角色打码")
    open_count: int
    orders: list[CallerOrderOut] = Field(description=f"新的在前，最多 {CALLER_HISTORY_LIMIT} 件")


class SimilarOrderOut(Schema):
    number: str
    title: str
    order_type: Choice
    state: Choice
    current_unit: Ref | None
    created_at: datetime
    score: float = Field(description="文本相似度 0–1")


class SimilarOrdersOut(Schema):
    orders: list[SimilarOrderOut]


class SimilarQuery(Schema):
    title: str = ""
    content: str = ""
    address: str = ""
    area_code: str = Field("", description="区划代码；6 位及以上时只比同一区县（及未填区划）的工单")
    phone: str = Field("", description="来电号码：此号码的工单不列出（那是重复来电，见 /callers/{phone}/orders）")


def _coded(choices, value: str) -> dict | None:
    """A stored code with its label; None for blank, the code itself if no longer a choice."""
    if not value:
        return None
    return choice(value, choices(value).label if value in choices.values else value)


def _citizen(view: CitizenView) -> dict:
    return {
        "name": view.name,
        "phone": view.phone,
        "id_number": view.id_number,
        "hidden": view.hidden,
        "full": view.full,
    }


def _summary(order: WorkOrder, citizen: CitizenView, now) -> dict:
    return {
        "number": order.number,
        "title": order.title,
        # _coded, not get_FOO_display(): Django rebuilds the whole choices dict on every call.
        "order_type": _coded(OrderType, order.order_type),
        "urgency": _coded(Urgency, order.urgency),
        "channel": _coded(Channel, order.channel),
        "state": _coded(State, order.state),
        "category": ref(order.category),
        "current_unit": ref(order.current_unit),
        "due_at": order.due_at,
        "due_provisional": order.due_provisional,
        "accept_deadline": order.accept_deadline,
        "overdue": order.is_overdue(now),
        "due_soon": order.is_due_soon(now),
        "confidential": order.confidential,
        "created_at": order.created_at,
        "version": order.version,
        "citizen": _citizen(citizen),
    }


def _event(event: WorkOrderEvent, visible: set[str]) -> dict:
    return {
        "action": event.action,
        "label": str(event_label(event.action)),
        "actor": user_ref(event.actor),
        "actor_role": _coded(Role, event.actor_role),
        "from_state": _coded(State, event.from_state),
        "to_state": _coded(State, event.to_state),
        "unit": ref(event.unit),
        "note": event.note,
        "data": visible_data(event, visible),
        "time": event.created_at,
    }


def _assignment(a: Assignment) -> dict:
    return {
        "unit": ref(a.unit),
        "role": choice(a.role, a.get_role_display()),
        "status": choice(a.status, a.get_status_display()),
        "designated": a.designated,
        "dispatched_at": a.dispatched_at,
        "dispatched_by": user_ref(a.dispatched_by),
        "accept_deadline": a.accept_deadline,
        "accepted_at": a.accepted_at,
        "accepted_by": user_ref(a.accepted_by),
        "returned_at": a.returned_at,
        "return_reason": a.return_reason,
    }


def _reply(r: Reply) -> dict:
    return {
        "unit": ref(r.unit),
        "author": user_ref(r.author),
        "result": choice(r.result, r.get_result_display()),
        "content": r.content,
        "reason": r.reason,
        "direct": r.direct,
        "created_at": r.created_at,
        "review_status": choice(r.review_status, r.get_review_status_display()),
        "reviewed_by": user_ref(r.reviewed_by),
        "reviewed_at": r.reviewed_at,
        "review_note": r.review_note,
    }


def _extension(e: ExtensionRequest) -> dict:
    return {
        "unit": ref(e.unit),
        "requested_by": user_ref(e.requested_by),
        "workdays": e.workdays,
        "reason": e.reason,
        "status": choice(e.status, e.get_status_display()),
        "requested_at": e.requested_at,
        "decided_by": user_ref(e.decided_by),
        "decided_at": e.decided_at,
        "decision_note": e.decision_note,
        "old_due_at": e.old_due_at,
        "new_due_at": e.new_due_at,
    }


def _supervision(s: Supervision) -> dict:
    return {
        "kind": choice(s.kind, s.get_kind_display()),
        "unit": ref(s.unit),
        "issued_by": user_ref(s.issued_by),
        "note": s.note,
        "created_at": s.created_at,
    }


def _callback(c: Callback) -> dict:
    return {
        "status": choice(c.status, c.get_status_display()),
        "result": choice(c.result, c.get_result_display()) if c.result else None,
        "attempts": c.attempts,
        "due_at": c.due_at,
        "agent": user_ref(c.agent),
        "note": c.note,
        "reopened": c.reopened,
        "created_at": c.created_at,
        "last_attempt_at": c.last_attempt_at,
        "completed_at": c.completed_at,
    }


def _detail(order: WorkOrder, request) -> dict:
    """The full order; showing the citizen's personal data writes an audit entry."""
    user = request.user
    citizen = audited_citizen_view(order, user, request, via="api")
    events = list(order.events.all())  # prefetched (DETAIL_PREFETCH)
    visible = visible_orders(events, user)
    return {
        **_summary(order, citizen, timezone.now()),
        "content": order.content,
        "address": order.address,
        "area_code": order.area_code,
        "latitude": order.latitude,
        "longitude": order.longitude,
        "master": order.master.number if order.master_id else None,
        # Only the children this user may open: a department sees the master, not duplicates merged before it came.
        "merged": list(
            WorkOrder.objects.visible_to(user).filter(master=order).order_by("number").values_list("number", flat=True)
        ),
        "dispatch_count": order.dispatch_count,
        "return_count": order.return_count,
        "redo_count": order.redo_count,
        "callback_exemption": order.callback_exemption,
        "closed_at": order.closed_at,
        "updated_at": order.updated_at,
        "created_by": user_ref(order.created_by),
        "timeline": [_event(event, visible) for event in events],
        "assignments": [_assignment(a) for a in order.assignments.all()],
        "replies": [_reply(r) for r in order.replies.all()],
        "extensions": [_extension(e) for e in order.extensions.all()],
        "supervisions": [_supervision(s) for s in order.supervisions.all()],
        "callbacks": [_callback(c) for c in order.callbacks.all()],
        "allowed_actions": [spec.name for spec in workflow.available_actions(order, user)],
    }


# ---------------------------------------------------------------- queries

DETAIL_PREFETCH = (
    Prefetch("events", queryset=WorkOrderEvent.objects.select_related("actor", "unit")),
    Prefetch("assignments", queryset=Assignment.objects.select_related("unit", "dispatched_by", "accepted_by")),
    Prefetch("replies", queryset=Reply.objects.select_related("unit", "author", "reviewed_by")),
    Prefetch("extensions", queryset=ExtensionRequest.objects.select_related("unit", "requested_by", "decided_by")),
    Prefetch("supervisions", queryset=Supervision.objects.select_related("unit", "issued_by")),
    Prefetch("callbacks", queryset=Callback.objects.select_related("agent")),
)


def visible_order(user, number: str, full: bool = True) -> WorkOrder:
    """The order if `user` may see it; otherwise 404, so existence is not leaked."""
    orders = WorkOrder.objects.visible_to(user)
    if full:
        orders = with_list_relations(orders).select_related("master", "created_by").prefetch_related(*DETAIL_PREFETCH)
    order = orders.filter(number=number).first()
    if order is None:
        raise ApiError(404, "not_found", _("工单 %(n)s 不存在或您无权查看。") % {"n": number})
    return order


def _subtree_path(model, code: str, field: str) -> str:
    path = model.objects.filter(code=code).values_list("path", flat=True).first()
    if path is None:
        raise invalid_input(_("编码 %(c)s 不存在。") % {"c": code}, {field: [_("编码不存在。")]})
    return path


def _aware(value: datetime) -> datetime:
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _filtered(orders, filters: OrderFilters, user, now):
    if filters.queue:
        queue = QUEUES.get(filters.queue)
        if queue is None:
            raise invalid_input(_("没有这个队列。"), {"queue": [_("可选：%(q)s") % {"q": "、".join(QUEUES)}]})
        orders = orders.filter(queue.condition(user, now))
    if filters.state:
        orders = orders.filter(state__in=filters.state)
    if filters.unit:
        orders = orders.filter(current_unit__path__startswith=_subtree_path(Department, filters.unit, "unit"))
    if filters.category:
        orders = orders.filter(category__path__startswith=_subtree_path(Category, filters.category, "category"))
    if filters.channel:
        orders = orders.filter(channel=filters.channel)
    if filters.order_type:
        orders = orders.filter(order_type=filters.order_type)
    if filters.overdue:
        orders = orders.overdue(now)
    if filters.due_soon:
        orders = orders.due_soon(now)
    if filters.q:
        orders = orders.search(filters.q)
    if filters.phone:
        orders = _of_phone(orders, filters.phone, user)
    if filters.created_after:
        orders = orders.filter(created_at__gte=_aware(filters.created_after))
    if filters.created_before:
        orders = orders.filter(created_at__lt=_aware(filters.created_before))
    return orders


def _caller_phone(raw: str, field: str) -> str:
    """`raw` normalised as at intake (138-1234-5678, +86…); a 422 when it is not a phone number."""
    phone = normalize_phone(raw)
    if not 5 <= len(phone) <= 20 or not phone.lstrip("+").isdigit():
        raise invalid_input(
            _("“%(p)s”不是有效的电话号码：应为 5–20 位数字，可带 +86 或分隔符，例如 13812345678。") % {"p": raw[:40]},
            {field: [_("请输入有效的电话号码（5–20 位数字）。")]},
        )
    return phone


def _of_phone(orders, raw: str, user):
    if not sees_full_phones(user):
        raise ApiError(403, "forbidden", _(
            "按电话号码筛选会透露谁来过电：您的角色不能查看完整号码，因此不能使用 phone 筛选；请改用 q 按编号、标题或地址查找。"
        ))
    phone = _caller_phone(raw, "phone")
    # Citizen ids first, as in intake.orders_of_caller: an OR with a join makes PostgreSQL walk every order.
    citizens = list(Citizen.objects.filter(Q(phone=phone) | Q(alt_phone=phone)).values_list("pk", flat=True))
    return orders.filter(Q(contact_phone=phone) | Q(citizen__in=citizens))


def _require_intake_role(user) -> None:
    if not user.has_role(*intake.INTAKE_ROLES):
        raise ApiError(403, "forbidden", _("只有话务员和派单员可以查询来电记录和相似工单（与受理页面相同）。"))


def _set_etag(response: HttpResponse, order: WorkOrder) -> None:
    response["ETag"] = f'"{order.version}"'


# ---------------------------------------------------------------- endpoints


@router.post("/orders", response={201: OrderSummary}, summary="受理（登记）工单")
def create_order(
    request, payload: OrderIn, response: HttpResponse,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
):
    """Kept lean for high-volume intake: nothing is queried beyond what the service does.

    With an `Idempotency-Key` header, a retry with the same key and body gets
    the order its first attempt registered (`Idempotent-Replayed: true`)."""
    if idempotency_key is None:
        order = intake.register(request.user, form_data(payload))
    else:
        order, created = intake.register_once(request.user, form_data(payload), idempotency_key)
        if not created:
            response["Idempotent-Replayed"] = "true"
    response["Location"] = f"{request.path.rstrip('/')}/{order.number}"
    _set_etag(response, order)
    return Status(201, _summary(order, citizen_view(order, request.user), timezone.now()))


@router.get("/orders", response=OrderPage, summary="工单列表")
def list_orders(request, filters: Query[OrderFilters]):
    now = timezone.now()
    orders = _filtered(WorkOrder.objects.visible_to(request.user), filters, request.user, now)
    rows, next_cursor = keyset_page(with_list_relations(orders).defer("content"), filters.limit, filters.cursor)
    items = [_summary(order, citizen_view(order, request.user), now) for order in rows]
    return {"items": items, "next_cursor": next_cursor, "limit": filters.limit}


# Before /orders/{number}, which would otherwise take "similar" for an order number.
@router.get("/orders/similar", response=SimilarOrdersOut, summary="受理前查相似的未办结工单（并单候选）")
def similar_orders(request, query: Query[SimilarQuery]):
    """Open orders of other callers that look like the same problem, best first, as on the intake screen."""
    _require_intake_role(request.user)
    text = " ".join(value[:2000] for value in (query.title, query.content, query.address))
    if not text.strip():
        raise invalid_input(_("请至少提供 title、content 或 address 之一，才能查找相似工单。"),
                            {"title": [_("标题、内容、地址至少填一项。")]})
    phone = _caller_phone(query.phone, "phone") if query.phone.strip() else ""
    matches = similar_open_orders(request.user, text, query.area_code, exclude_phone=phone)
    return {"orders": [
        {"number": order.number, "title": order.title, "order_type": _coded(OrderType, order.order_type),
         "state": _coded(State, order.state), "current_unit": ref(order.current_unit),
         "created_at": order.created_at, "score": round(score, 3)}
        for order, score in matches
    ]}


@router.get("/callers/{phone}/orders", response=CallerHistoryOut, summary="来电人的历史工单（重复来电）")
def caller_orders(request, phone: str):
    """The caller's orders, newest first, as the intake screen's caller-history panel.

    The citizen's name follows the list rules of rexian.orders.privacy; when it is
    shown in full, the view is audited like an order's detail."""
    _require_intake_role(request.user)
    phone = _caller_phone(phone, "phone")
    visible = WorkOrder.objects.visible_to(request.user)
    orders = list((intake.orders_of_caller(phone) & visible).select_related("master")[:CALLER_HISTORY_LIMIT])
    name = ""
    if orders:
        citizen = citizen_view(orders[0], request.user)
        name = citizen.name
        if citizen.full:
            record(request.user, AuditAction.VIEW_PERSONAL, orders[0], request=request, via="api",
                   summary=f"按来电号码查询历史工单，看到工单 {orders[0].number} 的市民信息")
    return {
        "phone": phone,
        "name": name,
        "open_count": sum(order.is_open for order in orders),
        "orders": [
            {"number": order.number, "title": order.title, "order_type": _coded(OrderType, order.order_type),
             "state": _coded(State, order.state), "open": order.is_open,
             "master": order.master.number if order.master_id else None,
             "current_unit": ref(order.current_unit), "created_at": order.created_at}
            for order in orders
        ],
    }


@router.get("/orders/{number}", response=OrderDetail, summary="工单详情（含时间线）")
def get_order(request, number: str, response: HttpResponse):
    order = visible_order(request.user, number)
    _set_etag(response, order)
    return _detail(order, request)


@router.post(
    "/orders/{number}/actions/{action}",
    response=OrderDetail,
    summary="执行工单操作（派单、签收、答复、审核、回访……）",
)
def take_action(
    request,
    number: str,
    action: str,
    response: HttpResponse,
    payload: ActionBody = Body(None),
    if_match: str | None = Header(None, alias="If-Match"),
):
    order = visible_order(request.user, number, full=False)
    schema = ACTION_SCHEMAS.get(action)
    # An unknown name goes straight to perform(), which answers unknown_action with the list.
    params = parse(schema, payload) if schema else None
    data = form_data(params, "version") if params else {}
    version = expected_version(params.version if params else None, if_match)
    workflow.perform(order, action, request.user, data, expected_version=version)
    order = visible_order(request.user, number)
    _set_etag(response, order)
    return _detail(order, request)
