"""Routing endpoints: suggestions and 并单 candidates for an order, and hot issues."""

from datetime import datetime

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from rexian.accounts.roles import Role
from rexian.api.errors import ApiError
from rexian.orders.models import WorkOrder
from rexian.routing import suggestions
from rexian.routing.duplicates import MASTER_STATES, repeat_call_orders, similar_open_orders
from rexian.routing.hotissues import hot_issues, orders_of
from rexian.routing.models import ModelKind

router = Router(tags=["routing"])
ROUTING_ROLES = (Role.DISPATCHER, Role.SUPERVISOR)


class Candidate(Schema):
    code: str
    name: str
    probability: float
    source: str


class SuggestionOut(Schema):
    candidates: list[Candidate]
    catalogue: str | None = Field(description="派单目录给出的单位编码")
    preselected: str | None = Field(description="派单时预选的单位编码（目录与高置信度模型一致时）")


class SimilarOut(Schema):
    number: str
    title: str
    state: str
    score: float


class RepeatCallOut(Schema):
    number: str
    title: str
    state: str
    channel: str
    created_at: datetime
    mergeable: bool = Field(description="可作为本工单并单的主工单（状态允许并入）")
    via: str | None = Field(description="来电人已并入此单的本人工单编号（列出的是其主工单）")


class SuggestionsOut(Schema):
    unit: SuggestionOut
    category: SuggestionOut
    similar: list[SimilarOut]
    repeat_calls: list[RepeatCallOut] = Field(description="同一来电人（同一回访电话或服务对象）的其他未办结工单，新的在前")


class HotIssueOut(Schema):
    title: str
    size: int
    reporters: int
    growth: float
    heat: float
    keywords: list[str]
    orders: list[str]


class HotIssueQuery(Schema):
    days: int = Field(7, ge=1, le=90)
    limit: int = Field(20, ge=1, le=100)


def _require(user):
    if not user.has_role(*ROUTING_ROLES):
        raise ApiError(403, "forbidden", _("只有派单员和督办员可以查看分派建议与热点。"))


def _suggestion(row) -> dict:
    preselect = suggestions.preselected_unit(row) if row.kind == ModelKind.UNIT else (
        row.candidates[0]["code"] if row.preselected else None
    )
    return {"candidates": row.candidates, "catalogue": row.catalogue_code or None, "preselected": preselect}


@router.get("/orders/{number}/suggestions", response=SuggestionsOut, summary="分派建议、可并单的相似工单与重复来电")
def order_suggestions(request, number: str):
    _require(request.user)
    order = WorkOrder.objects.visible_to(request.user).filter(number=number).first()
    if order is None:
        raise ApiError(404, "not_found", _("工单 %(n)s 不存在或您无权查看。") % {"n": number})
    similar = similar_open_orders(request.user, f"{order.title} {order.content} {order.address}", order.area_code,
                                  exclude_phone=order.contact_phone, exclude=order)
    return {
        "unit": _suggestion(suggestions.for_order(order, ModelKind.UNIT)),
        "category": _suggestion(suggestions.for_order(order, ModelKind.CATEGORY)),
        "similar": [{"number": o.number, "title": o.title, "state": o.state, "score": round(s, 4)} for o, s in similar],
        "repeat_calls": [
            {"number": call.order.number, "title": call.order.title, "state": call.order.state,
             "channel": call.order.channel, "created_at": call.order.created_at,
             "mergeable": call.order.state in MASTER_STATES, "via": call.via or None}
            for call in repeat_call_orders(request.user, order)
        ],
    }


@router.get("/hot-issues", response=list[HotIssueOut], summary="热点诉求（近 N 天相似诉求的聚类）")
def list_hot_issues(request, query: Query[HotIssueQuery]):
    _require(request.user)
    return [
        {"title": issue.title, "size": issue.size, "reporters": issue.reporters, "growth": issue.growth,
         "heat": issue.heat, "keywords": list(issue.keywords),
         "orders": list(orders_of(issue).values_list("number", flat=True))}
        for issue in hot_issues(query.days, query.limit)
    ]
