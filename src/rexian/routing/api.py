"""Routing endpoints: suggestions and 并单 candidates for an order, hot issues,
production accuracy, and (administrators) rolling a model back or resuming its
scheduled retraining. Training itself stays with the CLI and the worker."""

from datetime import datetime, timedelta

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from rexian.accounts.roles import Role
from rexian.api.errors import ApiError
from rexian.core.audit import AuditAction, record
from rexian.orders.models import WorkOrder
from rexian.routing import accuracy, suggestions
from rexian.orders.choices import MASTER_STATES
from rexian.routing.duplicates import repeat_call_orders, similar_open_orders
from rexian.routing.hotissues import hot_issue_survey, orders_of
from rexian.routing.models import ModelKind, RoutingKindState, RoutingModelVersion
from rexian.routing.training import PrunedVersion, activate_version, resume_schedule

router = Router(tags=["routing"])
ROUTING_ROLES = (Role.DISPATCHER, Role.SUPERVISOR)


class Candidate(Schema):
    code: str
    name: str
    probability: float
    source: str


class UnitRef(Schema):
    code: str
    name: str


class CatalogueRuleOut(Schema):
    lead: UnitRef = Field(description="主办单位")
    assisting: list[UnitRef] = Field(description="协办单位（仅列仍在用的单位）")
    source: str = Field(description="依据：sanding 三定方案、duty_list 权责清单、agreement 会商确定、other 其他")
    source_label: str
    source_reference: str = Field(description="依据条款")


class SuggestionOut(Schema):
    candidates: list[Candidate]
    catalogue: str | None = Field(description="派单目录给出的单位编码")
    preselected: str | None = Field(description="派单时预选的编码：单位（目录与高置信度模型一致时）或分类（模型高置信度时）")
    catalogue_rule: CatalogueRuleOut | None = Field(None, description="派单目录中给出该单位的规则（协办单位与依据）；仅承办单位建议")


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


def _rule(rule) -> dict | None:
    if rule is None:
        return None
    return {
        "lead": {"code": rule.lead_unit.code, "name": rule.lead_unit.name},
        "assisting": [{"code": unit.code, "name": unit.name} for unit in suggestions.active_assisting(rule)],
        "source": rule.source, "source_label": rule.get_source_display(), "source_reference": rule.source_reference,
    }


def _suggestion(row, order) -> dict:
    if row.kind == ModelKind.UNIT:
        preselect, rule = suggestions.preselected_unit(row), _rule(suggestions.catalogue_rule(order, row))
    else:
        preselect, rule = suggestions.preselected_category(row), None
    return {"candidates": row.candidates, "catalogue": row.catalogue_code or None, "preselected": preselect,
            "catalogue_rule": rule}


@router.get("/orders/{number}/suggestions", response=SuggestionsOut, summary="分派建议、可并单的相似工单与重复来电")
def order_suggestions(request, number: str):
    _require(request.user)
    order = WorkOrder.objects.visible_to(request.user).filter(number=number).first()
    if order is None:
        raise ApiError(404, "not_found", _("工单 %(n)s 不存在或您无权查看。") % {"n": number})
    similar = similar_open_orders(request.user, f"{order.title} {order.content} {order.address}", order.area_code,
                                  exclude_phone=order.contact_phone, exclude=order)
    return {
        "unit": _suggestion(suggestions.for_order(order, ModelKind.UNIT), order),
        "category": _suggestion(suggestions.for_order(order, ModelKind.CATEGORY), order),
        "similar": [{"number": o.number, "title": o.title, "state": o.state, "score": round(s, 4)} for o, s in similar],
        "repeat_calls": [
            {"number": call.order.number, "title": call.order.title, "state": call.order.state,
             "channel": call.order.channel, "created_at": call.order.created_at,
             "mergeable": call.order.state in MASTER_STATES, "via": call.via or None}
            for call in repeat_call_orders(request.user, order)
        ],
    }


@router.get("/hot-issues", response=list[HotIssueOut], summary="热点诉求（近 N 天相似诉求的聚类）")
def list_hot_issues(request, query: Query[HotIssueQuery], response: HttpResponse):
    """The window actually clustered is in the headers: X-Hot-Issues-Since (ISO 8601) and
    X-Hot-Issues-Cut (true when the window had too many orders and its oldest part was left out)."""
    _require(request.user)
    survey = hot_issue_survey(query.days, query.limit)
    response["X-Hot-Issues-Since"] = survey.since.isoformat()
    response["X-Hot-Issues-Cut"] = "true" if survey.cut else "false"
    return [
        {"title": issue.title, "size": issue.size, "reporters": issue.reporters, "growth": issue.growth,
         "heat": issue.heat, "keywords": list(issue.keywords),
         "orders": list(orders_of(issue).values_list("number", flat=True))}
        for issue in survey.issues
    ]


# ---------------------------------------------------------------- accuracy and models


class VersionAccuracyOut(Schema):
    version: int | None = Field(description="给出建议的模型版本；null 为无模型（仅派单目录）")
    made: int = Field(description="建议数")
    dispatched: int = Field(description="已首次派单并计入的工单数（派单时有建议：模型或派单目录）")
    unsuggested: int = Field(description="首次派单时没有任何建议的工单数（不计入采纳率）")
    taken: int
    preselected: int
    taken_preselected: int
    returned_taken: int = Field(description="采纳建议后被首次派往的单位退单")
    returned_not_taken: int = Field(description="未采纳建议后被首次派往的单位退单")
    taken_rate: float | None
    preselected_rate: float | None
    taken_when_preselected: float | None
    returned_taken_rate: float | None
    returned_not_taken_rate: float | None


class VersionOut(Schema):
    id: int
    created_at: datetime
    training_orders: int
    labels: int
    metrics: dict
    active: bool
    pruned: bool = Field(description="权重已按保留策略清除，不能再启用")
    pruned_at: datetime | None
    not_activated: str | None = Field(description="定时重训训练了此版本但未启用的原因")


class KindOut(Schema):
    kind: str
    label: str
    active: int | None = Field(description="当前使用的版本编号")
    load_problem: str | None = Field(description="当前版本无法加载的原因（需重新训练）；期间只按派单目录建议")
    pinned: bool = Field(description="已回滚并锁定：定时重训不替换当前版本")
    pinned_at: datetime | None
    pinned_by: str | None


class KindAccuracyOut(KindOut):
    recent: list[VersionOut]
    accuracy: list[VersionAccuracyOut]


class KindModelsOut(KindOut):
    versions: list[VersionOut]


class AccuracyQuery(Schema):
    days: int | None = Field(None, ge=1, le=3650, description="只统计近 N 天的建议；省略为全部")


class ModelsQuery(Schema):
    limit: int = Field(20, ge=1, le=200, description="每类最多列出的版本数（新的在前）")


def _require_admin(user):
    if not user.has_role(Role.ADMIN):
        raise ApiError(403, "forbidden", _("只有管理员可以管理分派模型。"))


def _version(version: RoutingModelVersion) -> dict:
    return {
        "id": version.pk, "created_at": version.created_at, "training_orders": version.training_orders,
        "labels": version.labels, "metrics": version.metrics, "active": version.active,
        "pruned": version.pruned_at is not None, "pruned_at": version.pruned_at,
        "not_activated": version.not_activated or None,
    }


def _kind(k: accuracy.KindOverview) -> dict:
    return {
        "kind": k.kind, "label": k.label, "active": k.active.pk if k.active else None,
        "load_problem": k.load_problem or None, "pinned": k.pinned,
        "pinned_at": k.state.pinned_at if k.pinned else None, "pinned_by": k.state.pinned_by if k.pinned else None,
    }


def _accuracy_row(row: accuracy.VersionAccuracy) -> dict:
    names = ("made", "dispatched", "unsuggested", "taken", "preselected", "taken_preselected", "returned_taken", "returned_not_taken",
             "taken_rate", "preselected_rate", "taken_when_preselected", "returned_taken_rate", "returned_not_taken_rate")
    return {"version": row.version.pk if row.version else None, **{name: getattr(row, name) for name in names}}


@router.get("/routing/accuracy", response=list[KindAccuracyOut], summary="分派建议的生产环境准确率（按模型类型和版本）")
def routing_accuracy(request, query: Query[AccuracyQuery]):
    if not request.user.has_role(Role.SUPERVISOR):
        raise ApiError(403, "forbidden", _("只有督办员和管理员可以查看分派准确率。"))
    since = timezone.now() - timedelta(days=query.days) if query.days else None
    return [
        {**_kind(k), "recent": [_version(v) for v in k.recent], "accuracy": [_accuracy_row(r) for r in k.accuracy]}
        for k in accuracy.overview(since)
    ]


@router.get("/routing/models", response=list[KindModelsOut], summary="分派模型版本（管理员）")
def routing_models(request, query: Query[ModelsQuery]):
    _require_admin(request.user)
    return [
        {**_kind(k), "versions": [_version(v) for v in k.recent]}
        for k in accuracy.overview(recent=query.limit, with_accuracy=False)
    ]


@router.post("/routing/models/{version_id}/activate", response=KindModelsOut,
             summary="启用某一模型版本（回滚；该类模型随即锁定，定时重训暂停）")
def activate_model(request, version_id: int):
    """The admin's 启用所选版本 action over the API: the same service, the same audit entry."""
    _require_admin(request.user)
    version = RoutingModelVersion.objects.defer("model").filter(pk=version_id).first()
    if version is None:
        raise ApiError(404, "not_found", _("模型版本 #%(pk)s 不存在；用 GET /routing/models 查看可用版本。") % {"pk": version_id})
    try:  # refuses a version whose weights were cleared, changing nothing
        activate_version(version, pin=True, pinned_by=request.user.get_username())
    except PrunedVersion as error:
        raise ApiError(409, "pruned", str(error), version=version.pk) from None
    record(request.user, AuditAction.CHANGE, version, summary=f"启用分派模型版本 {version}（锁定，暂停定时重训）",
           request=request, via="api")
    return _models_of(version.kind)


@router.post("/routing/kinds/{kind}/resume", response=KindModelsOut, summary="恢复该类模型的定时重训（解除回滚锁定）")
def resume_kind(request, kind: str):
    _require_admin(request.user)
    if kind not in ModelKind.values:
        raise ApiError(404, "not_found", _("没有“%(k)s”类模型；可用：%(all)s。") % {"k": kind, "all": "、".join(ModelKind.values)})
    if resume_schedule(kind):
        state = RoutingKindState.objects.get(kind=kind)
        record(request.user, AuditAction.CHANGE, state, summary=f"恢复{state}模型的定时重训", request=request, via="api")
    return _models_of(kind)


def _models_of(kind: str) -> dict:
    k = next(k for k in accuracy.overview(with_accuracy=False) if k.kind == kind)
    return {**_kind(k), "versions": [_version(v) for v in k.recent]}
