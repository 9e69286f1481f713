"""Knowledge-base endpoints: search, read, write, review, feedback, and answering an order."""

from datetime import date

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Body, Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from rexian.api.errors import ApiError
from rexian.api.schemas import Choice, choice, form_data, form_schema, parse
from rexian.knowledge import services
from rexian.knowledge.choices import UsageKind
from rexian.knowledge.forms import ArticleForm
from rexian.knowledge.models import Article
from rexian.knowledge.search import search
from rexian.orders.models import WorkOrder

router = Router(tags=["knowledge"])

ArticleIn = form_schema(ArticleForm, "ArticleIn", note=(str | None, Field(None, description="修改说明")))


class ArticleOut(Schema):
    id: int
    kind: Choice
    title: str
    body: str
    status: Choice
    visibility: Choice
    version: int
    current: bool = Field(description="已发布且在有效期内：可用于答复")
    categories: list[str]
    department: str | None
    source: str
    issuing_body: str
    document_number: str
    effective_from: date | None
    expires_on: date | None
    tags: list[str]
    used_count: int
    not_helpful_count: int
    allowed_actions: list[str]


class HitOut(Schema):
    id: int
    title: str
    kind: Choice
    snippet: str = Field(description="HTML：已转义的正文片段，命中词以 <mark> 标出")
    score: float


class SearchQuery(Schema):
    q: str = Field(..., max_length=500, description="检索词")
    limit: int = Field(10, ge=1, le=50)
    public: bool = Field(False, description="只查公开知识")


class TransitionIn(Schema):
    note: str = Field("", max_length=300)


class AnswerIn(Schema):
    article: int = Field(description="知识编号")
    content: str = Field("", max_length=2000, description="答复内容，省略则用知识正文")


def _out(article: Article, user) -> dict:
    return {
        "id": article.pk,
        "kind": choice(article.kind, article.get_kind_display()),
        "title": article.title,
        "body": article.body,
        "status": choice(article.status, article.get_status_display()),
        "visibility": choice(article.visibility, article.get_visibility_display()),
        "version": article.version,
        "current": article.is_current(),
        "categories": [c.code for c in article.categories.all()],
        "department": article.department.code if article.department_id else None,
        "source": article.source,
        "issuing_body": article.issuing_body,
        "document_number": article.document_number,
        "effective_from": article.effective_from,
        "expires_on": article.expires_on,
        "tags": article.tag_list,
        "used_count": article.used_count,
        "not_helpful_count": article.not_helpful_count,
        "allowed_actions": services.allowed_actions(article, user),
    }


def _article(pk: int) -> Article:
    article = Article.objects.select_related("department").filter(pk=pk).first()
    if article is None:
        raise ApiError(404, "not_found", _("知识 %(id)s 不存在。") % {"id": pk})
    return article


@router.get("/knowledge/search", response=list[HitOut], summary="检索知识（BM25，中文分词）")
def search_articles(request, query: Query[SearchQuery]):
    return [
        {"id": hit.article.pk, "title": hit.article.title, "score": hit.score, "snippet": str(hit.snippet),
         "kind": choice(hit.article.kind, hit.article.get_kind_display())}
        for hit in search(query.q, limit=query.limit, public_only=query.public)
    ]


@router.get("/knowledge/{article_id}", response=ArticleOut, summary="知识详情")
def get_article(request, article_id: int):
    return _out(_article(article_id), request.user)


@router.post("/knowledge", response={201: ArticleOut}, summary="新建知识（草稿）")
def create_article(request, payload: dict = Body(...)):
    data = form_data(parse(ArticleIn, payload))
    article = services.create(request.user, data, note=data.pop("note", ""))
    return Status(201, _out(article, request.user))


@router.put("/knowledge/{article_id}", response=ArticleOut, summary="修改草稿或待审核的知识（生成新版本）")
def update_article(request, article_id: int, payload: dict = Body(...)):
    data = form_data(parse(ArticleIn, payload))
    article = services.update(_article(article_id), request.user, data, note=data.pop("note", ""))
    return _out(article, request.user)


@router.post("/knowledge/{article_id}/actions/{action}", response=ArticleOut, summary="提交审核、发布、退回、撤回、修订")
def article_action(request, article_id: int, action: str, payload: TransitionIn = None):
    article = services.transition(_article(article_id), action, request.user, note=payload.note if payload else "")
    return _out(article, request.user)


@router.post("/knowledge/{article_id}/not-helpful", response={204: None}, summary="标记“没有帮助”")
def not_helpful(request, article_id: int):
    article = get_object_or_404(Article.objects.current(), pk=article_id)
    services.record_usage(article, request.user, UsageKind.NOT_HELPFUL)
    return Status(204, None)


@router.post("/orders/{number}/answer-with-article", response={200: dict}, summary="引用知识直接答复工单")
def answer(request, number: str, payload: AnswerIn):
    order = WorkOrder.objects.visible_to(request.user).filter(number=number).first()
    if order is None:
        raise ApiError(404, "not_found", _("工单 %(n)s 不存在或您无权查看。") % {"n": number})
    order = services.answer_with_article(order, _article(payload.article), request.user, payload.content)
    return {"number": order.number, "state": choice(order.state, order.get_state_display())}
