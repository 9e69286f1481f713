"""What the knowledge routers share: the article summary and the lookup by id."""

from datetime import date, datetime

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import Field

from rexian.api.errors import ApiError
from rexian.api.schemas import Choice, choice
from rexian.knowledge.models import Article

# A bigint's range: an id beyond it is simply not there (not a database error).
_MAX_ID = 2**63 - 1


class ArticleSummary(Schema):
    id: int
    kind: Choice
    title: str
    status: Choice
    visibility: Choice
    version: int = Field(description="内容版本（历史版本号）")
    changes: int = Field(description="修改计数：知识或其修订每有改动即增加，即 ETag；修改和操作时的 If-Match 或 version 与之比较")
    current: bool = Field(description="已发布且在有效期内：可用于答复")
    categories: list[str]
    department: str | None
    expires_on: date | None = Field(description="失效日期")
    updated_at: datetime
    used_count: int
    not_helpful_count: int


def summary(article: Article) -> dict:
    return {
        "id": article.pk,
        "kind": choice(article.kind, article.get_kind_display()),
        "title": article.title,
        "status": choice(article.status, article.get_status_display()),
        "visibility": choice(article.visibility, article.get_visibility_display()),
        "version": article.version,
        "changes": article.changes,
        "current": article.is_current(),
        "categories": [c.code for c in article.categories.all()],
        "department": article.department.code if article.department_id else None,
        "expires_on": article.expires_on,
        "updated_at": article.updated_at,
        "used_count": article.used_count,
        "not_helpful_count": article.not_helpful_count,
    }


def article_or_404(pk: int, articles=None) -> Article:
    """The article with this id among `articles` (default: all), or 404 not_found."""
    articles = Article.objects.all() if articles is None else articles
    article = articles.select_related("department").filter(pk=pk).first() if 0 < pk <= _MAX_ID else None
    if article is None:
        raise ApiError(404, "not_found", _("知识 %(id)s 不存在。") % {"id": pk})
    return article
