"""Knowledge-base endpoints: list, search, read, write, versions, review, feedback, answering an order.

Import/export and the review report (api_transfer), the domain dictionary
(api_dictionary) and the citizens' public search (api_public) are routers of
their own, mounted under this one. Every rule lives in services.py; these
endpoints only translate HTTP.
"""

from datetime import date, datetime
from typing import Annotated, Literal

from django.db.models import Prefetch
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Body, Header, Query, Router, Schema
from ninja.responses import Status
from pydantic import BeforeValidator, Field, WithJsonSchema

from rexian.api.versions import expected_version
from rexian.api.errors import ApiError, invalid_input
from rexian.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, keyset_page
from rexian.api.schemas import Choice, UserRef, choice, form_schema, parse, user_ref
from rexian.directory.models import Category, Department
from rexian.knowledge import api_dictionary, api_public, api_transfer, services
from rexian.knowledge.api_shapes import ArticleSummary, article_or_404, summary
from rexian.knowledge.choices import ArticleKind, ArticleStatus, UsageKind, Visibility
from rexian.knowledge.forms import ArticleForm
from rexian.knowledge.models import Article, ArticleRevision
from rexian.knowledge.search import search
from rexian.orders.models import WorkOrder

router = Router(tags=["knowledge"])

# ---------------------------------------------------------------- input


def _code(value):
    """A coded value as GET returns it, `{"code": …, "label": …}`, taken as its code."""
    return value["code"] if isinstance(value, dict) and "code" in value else value


def _joined(value):
    """Tags as GET returns them, a list, taken as the form's comma-separated text."""
    return ",".join(value) if isinstance(value, list) and all(isinstance(tag, str) for tag in value) else value


def _coded(choices, label: str):
    values = {"type": "string", "enum": list(choices.values)}
    shown = {"type": "object", "properties": {"code": values, "label": {"type": "string"}}, "required": ["code"]}
    schema = {"anyOf": [values, shown, {"type": "null"}], "description": f"{label}：编码，或 GET 返回的 {{code, label}}"}
    return (Annotated[str | None, BeforeValidator(_code), WithJsonSchema(schema)], None)


# kind, visibility and tags are also taken in the shapes GET returns them in,
# so a client can send back what it read.
_SHAPES = {
    "kind": _coded(ArticleKind, "类型"),
    "visibility": _coded(Visibility, "公开范围"),
    "tags": (
        Annotated[str | None, BeforeValidator(_joined), WithJsonSchema({
            "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}, {"type": "null"}],
            "description": "标签：逗号分隔的文字，或 GET 返回的字符串数组",
        })],
        None,
    ),
}
_NOTE = (str | None, Field(None, description="修改说明"))
_VERSION_HELP = ("客户端看到的修改计数（GET 返回的 ETag，即 changes 字段，不是内容版本 version）；"
                 "知识或其修订此后有任何改动时返回 409 conflict（也可用 If-Match）")
_VERSION = (int | None, Field(None, description=_VERSION_HELP))
ArticleIn = form_schema(ArticleForm, "ArticleIn", note=_NOTE, **_SHAPES)
ArticleUpdateIn = form_schema(ArticleForm, "ArticleUpdateIn", note=_NOTE, version=_VERSION, **_SHAPES)


def _article_data(model, partial: bool = False) -> tuple[dict, str, int | None]:
    """(form data, note, version) from a parsed body. Whole: omitted and null fields are
    left out (the form clears them). Partial: only the fields sent; null clears one."""
    data = model.model_dump(exclude_unset=True) if partial else model.model_dump(exclude_none=True)
    note, version = data.pop("note", None) or "", data.pop("version", None)
    if partial:
        data = {key: ([] if key == "categories" else "") if value is None else value for key, value in data.items()}
    return data, note, version


class ArticleFilters(Schema):
    kind: ArticleKind | None = None
    status: ArticleStatus | None = None
    q: str | None = Field(None, max_length=200, description="标题或正文包含全部这些词（任何状态，含草稿与待审核）")
    department: str | None = Field(None, description="责任单位编码（含下级单位）")
    category: str | None = Field(None, description="适用分类编码（含子分类）")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(None, description="上一页返回的 next_cursor")


class SearchQuery(Schema):
    q: str = Field(..., max_length=500, description="检索词")
    limit: int = Field(10, ge=1, le=50)
    public: bool = Field(False, description="只查公开知识")


class DiffQuery(Schema):
    old: int = Field(..., ge=1, le=services.MAX_VERSION, description="旧版本号")
    new: int = Field(..., ge=1, le=services.MAX_VERSION, description="新版本号")


class TransitionIn(Schema):
    note: str = Field("", max_length=300)
    version: int | None = Field(None, description=_VERSION_HELP)


class AnswerIn(Schema):
    article: int = Field(description="知识编号")
    content: str = Field("", max_length=2000, description="答复内容，省略则用知识正文")


# ---------------------------------------------------------------- output


class RevisionSummary(Schema):
    id: int
    article: int
    status: Choice
    version: int = Field(description="修订版本：打开时等于知识版本，每次保存加一（If-Match 与知识的 changes 比较，不与此比较）")
    base_version: int = Field(description="修订所基于的知识版本")
    title: str
    note: str
    author: UserRef | None
    updated_at: datetime


class ArticleOut(ArticleSummary):
    body: str
    source: str
    issuing_body: str
    document_number: str
    effective_from: date | None
    tags: list[str]
    allowed_actions: list[str]
    revision: RevisionSummary | None = Field(description="进行中的修订（草稿或待审核）；现行内容在其发布前不变")


class ArticlePage(Schema):
    items: list[ArticleSummary]
    next_cursor: str | None
    limit: int


class HitOut(Schema):
    id: int
    title: str
    kind: Choice
    snippet: str = Field(description="HTML：已转义的正文片段，命中词以 <mark> 标出")
    score: float


class VersionOut(Schema):
    number: int
    title: str
    created_at: datetime
    author: UserRef | None
    note: str


class DiffLine(Schema):
    op: Literal["+", "-", " "] = Field(description="+ 新增，- 删除，空格 上下文")
    text: str


class RevisionOut(RevisionSummary):
    content: dict = Field(description="修订后的全部字段（与 PUT 的字段相同：编码、ISO 日期）")
    lines: list[DiffLine] = Field(description="与现行版本相比的逐行差异（与网页相同）")


class DiffOut(Schema):
    old: VersionOut
    new: VersionOut
    lines: list[DiffLine] = Field(description="与网页“版本比较”相同的逐行差异（标题、其他字段、正文）")


def _revision(revision: ArticleRevision) -> dict:
    return {"id": revision.pk, "article": revision.article_id, "status": choice(revision.status, revision.get_status_display()),
            "version": revision.version, "base_version": revision.base_version, "title": revision.title,
            "note": revision.note, "author": user_ref(revision.created_by), "updated_at": revision.updated_at}


def _out(article: Article, user, revision: ArticleRevision | None) -> dict:
    return {
        **summary(article),
        "body": article.body,
        "source": article.source,
        "issuing_body": article.issuing_body,
        "document_number": article.document_number,
        "effective_from": article.effective_from,
        "tags": article.tag_list,
        "allowed_actions": services.allowed_actions(article, user, revision),
        "revision": _revision(revision) if revision else None,
    }


def _version(version) -> dict:
    return {"number": version.number, "title": version.title, "created_at": version.created_at,
            "author": user_ref(version.author), "note": version.note}


def _etag(article: Article) -> str:
    """The article's change counter, which every change of it or of its revision raises:
    what a PUT, PATCH or action is checked against (If-Match, or `version` in the body)."""
    return f'"{article.changes}"'


def _with_etag(response: HttpResponse, article: Article, user) -> dict:
    response["ETag"] = _etag(article)
    return _out(article, user, services.open_revision(article))


# ---------------------------------------------------------------- queries


def _node(model, code: str | None, field: str):
    if code is None:
        return None
    node = model.objects.filter(code=code).first()
    if node is None:
        raise invalid_input(_("编码 %(c)s 不存在。") % {"c": code}, {field: [_("编码不存在。")]})
    return node


# ---------------------------------------------------------------- endpoints


@router.get("/knowledge", response=ArticlePage, summary="知识列表（所有状态，最近修改在前）")
def list_articles(request, filters: Query[ArticleFilters]):
    articles = services.staff_list(
        kind=filters.kind or "", status=filters.status or "", query=filters.q or "",
        department=_node(Department, filters.department, "department"),
        category=_node(Category, filters.category, "category"),
    ).prefetch_related(Prefetch("categories", queryset=Category.objects.only("code")))
    rows, next_cursor = keyset_page(articles.defer("body"), filters.limit, filters.cursor, on="updated_at")
    return {"items": [summary(article) for article in rows], "next_cursor": next_cursor, "limit": filters.limit}


@router.get("/knowledge/search", response=list[HitOut], summary="检索知识（BM25，中文分词）")
def search_articles(request, query: Query[SearchQuery]):
    return [
        {"id": hit.article.pk, "title": hit.article.title, "score": hit.score, "snippet": str(hit.snippet),
         "kind": choice(hit.article.kind, hit.article.get_kind_display())}
        for hit in search(query.q, limit=query.limit, public_only=query.public)
    ]


@router.get("/knowledge/revisions", response=list[RevisionSummary], summary="待审核的修订（最早提交的在前）")
def list_revisions(request):
    return [_revision(revision) for revision in services.revisions_in_review()]


@router.get("/knowledge/{int:article_id}", response=ArticleOut, summary="知识详情（ETag 为修改和操作时应带的修改计数）")
def get_article(request, article_id: int, response: HttpResponse):
    return _with_etag(response, article_or_404(article_id), request.user)


@router.post("/knowledge", response={201: ArticleOut}, summary="新建知识（草稿）")
def create_article(request, response: HttpResponse, payload: dict = Body(...)):
    data, note, _version = _article_data(parse(ArticleIn, payload))
    article = services.create(request.user, data, note=note)
    return Status(201, _with_etag(response, article, request.user))


@router.get("/knowledge/{int:article_id}/revision", response=RevisionOut, summary="进行中的修订及其与现行版本的差异")
def get_revision(request, article_id: int, response: HttpResponse):
    article = article_or_404(article_id)
    revision = services.open_revision(article)
    if revision is None:
        raise ApiError(404, "not_found", _("知识 %(id)s 没有进行中的修订；修改已发布的知识即会打开一份。") % {"id": article_id})
    response["ETag"] = _etag(article)
    lines = [{"op": op, "text": text} for op, text in services.revision_diff(article, revision)]
    return {**_revision(revision), "content": revision.data, "lines": lines}


_EDITS = "草稿或待审核的知识就地修改；已发布、已失效或已撤回的知识改的是它的修订（没有则打开一份），现行内容不变"


@router.put("/knowledge/{int:article_id}", response=ArticleOut, summary="整体修改（省略的字段清空）", description=_EDITS)
def update_article(
    request, article_id: int, response: HttpResponse, payload: dict = Body(...),
    if_match: str | None = Header(None, alias="If-Match"),
):
    data, note, version = _article_data(parse(ArticleUpdateIn, payload))
    article = services.update(
        article_or_404(article_id), request.user, data, note=note, expected_version=expected_version(version, if_match)
    )
    return _with_etag(response, article, request.user)


@router.patch("/knowledge/{int:article_id}", response=ArticleOut, summary="部分修改（只改给出的字段）", description=_EDITS)
def patch_article(
    request, article_id: int, response: HttpResponse, payload: dict = Body(...),
    if_match: str | None = Header(None, alias="If-Match"),
):
    data, note, version = _article_data(parse(ArticleUpdateIn, payload), partial=True)
    article = services.update(
        article_or_404(article_id), request.user, data, note=note,
        expected_version=expected_version(version, if_match), partial=True,
    )
    return _with_etag(response, article, request.user)


@router.get("/knowledge/{int:article_id}/versions", response=list[VersionOut], summary="知识的历史版本（新版在前）")
def list_versions(request, article_id: int):
    versions = article_or_404(article_id).versions.select_related("author").order_by("-number")
    return [_version(version) for version in versions]


@router.get("/knowledge/{int:article_id}/diff", response=DiffOut, summary="比较两个版本")
def diff_versions(request, article_id: int, filters: Query[DiffQuery]):
    pair = services.version_pair(article_or_404(article_id), filters.old, filters.new)
    if pair is None:
        raise ApiError(404, "not_found", _("知识 %(id)s 没有第 %(old)d 版或第 %(new)d 版，版本号见 /versions。")
                       % {"id": article_id, "old": filters.old, "new": filters.new})
    lines = [{"op": op, "text": text} for op, text in services.diff(*pair)]
    return {"old": _version(pair[0]), "new": _version(pair[1]), "lines": lines}


@router.post(
    "/knowledge/{int:article_id}/actions/{action}", response=ArticleOut,
    summary="提交审核、发布、退回、撤回；修订的打开、提交、发布、退回、放弃",
    description="submit、publish、reject、withdraw；revise、submit_revision、publish_revision、reject_revision、"
                "discard_revision。可执行的见 allowed_actions。带上 If-Match（或 body 的 version）时，"
                "知识或其修订在此后有任何改动即返回 409 conflict，不会发布未看过的内容。",
)
def article_action(
    request, article_id: int, action: str, response: HttpResponse, payload: TransitionIn = None,
    if_match: str | None = Header(None, alias="If-Match"),
):
    note = payload.note if payload else ""
    expected = expected_version(payload.version if payload else None, if_match)
    article = services.transition(article_or_404(article_id), action, request.user, note=note, expected=expected)
    return _with_etag(response, article, request.user)


@router.post("/knowledge/{int:article_id}/not-helpful", response={204: None}, summary="标记“没有帮助”")
def not_helpful(request, article_id: int):
    article = article_or_404(article_id, Article.objects.current())
    services.record_usage(article, request.user, UsageKind.NOT_HELPFUL)
    return Status(204, None)


@router.post("/orders/{number}/answer-with-article", response={200: dict}, summary="引用知识直接答复工单")
def answer(request, number: str, payload: AnswerIn):
    order = WorkOrder.objects.visible_to(request.user).filter(number=number).first()
    if order is None:
        raise ApiError(404, "not_found", _("工单 %(n)s 不存在或您无权查看。") % {"n": number})
    order = services.answer_with_article(order, article_or_404(payload.article), request.user, payload.content)
    return {"number": order.number, "state": choice(order.state, order.get_state_display())}


# After this router's own paths; "/knowledge/{int:…}" never takes "/knowledge/stale" and the like.
router.add_router("", api_transfer.router)
router.add_router("", api_dictionary.router)
router.add_router("", api_public.router)
