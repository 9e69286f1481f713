"""The citizens' knowledge search without a token, as the public page (views.public_search).

Only public, current articles are ever read: the search runs with
`public_only=True` and the detail through `current().public()`, so an
internal or expired article gives no hit, no snippet and a 404. Each client
address may call these a limited number of times an hour, counted like the
portal's look-ups (channels/ratelimit.py, shared by every web process).
"""

from datetime import date

from django.conf import settings
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from rexian.api.errors import ApiError
from rexian.api.schemas import Choice, choice
from rexian.channels import ratelimit
from rexian.core.audit import client_ip
from rexian.knowledge.api_shapes import article_or_404
from rexian.knowledge.models import Article
from rexian.knowledge.search import search

router = Router(tags=["public"], auth=None)

HOUR = 3600


def public_limit() -> ratelimit.Limit:
    per_hour = settings.REXIAN["PUBLIC_KNOWLEDGE_PER_IP_HOUR"]
    return ratelimit.Limit("public-knowledge-ip", per_hour, HOUR)


def _throttle(request) -> None:
    if not ratelimit.hit(public_limit(), client_ip(request) or "unknown"):
        raise ApiError(429, "throttled", _("查询过于频繁，请稍后再试，或拨打 12345 热线咨询。"))


class PublicSearchQuery(Schema):
    q: str = Field(..., min_length=1, max_length=200, description="检索词")
    limit: int = Field(10, ge=1, le=20)


class PublicHitOut(Schema):
    id: int
    title: str
    kind: Choice
    snippet: str = Field(description="HTML：已转义的正文片段，命中词以 <mark> 标出")


class PublicArticleOut(Schema):
    id: int
    kind: Choice
    title: str
    body: str
    issuing_body: str
    document_number: str
    effective_from: date | None


@router.get("/public/knowledge/search", response=list[PublicHitOut], summary="公开知识检索（无需令牌）")
def public_search(request, query: Query[PublicSearchQuery]):
    _throttle(request)
    return [
        {"id": hit.article.pk, "title": hit.article.title, "snippet": str(hit.snippet),
         "kind": choice(hit.article.kind, hit.article.get_kind_display())}
        for hit in search(query.q, limit=query.limit, public_only=True)
    ]


@router.get("/public/knowledge/{int:article_id}", response=PublicArticleOut, summary="公开知识详情（无需令牌）")
def public_article(request, article_id: int):
    _throttle(request)
    article = article_or_404(article_id, Article.objects.current().public())
    return {
        "id": article.pk, "kind": choice(article.kind, article.get_kind_display()), "title": article.title,
        "body": article.body, "issuing_body": article.issuing_body, "document_number": article.document_number,
        "effective_from": article.effective_from,
    }
