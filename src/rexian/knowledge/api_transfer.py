"""Import, export and the supervisors' review report, as on the web pages (knowledge/views.py)."""

from typing import Literal

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status
from pydantic import Field

from rexian.accounts.roles import Role
from rexian.api.errors import ApiError, invalid_input
from rexian.core.audit import AuditAction, record
from rexian.knowledge import importexport, services
from rexian.knowledge.api_shapes import ArticleSummary, summary

router = Router(tags=["knowledge"])

# An import's problems listed in the error's details at most (the message gives the total).
MAX_PROBLEMS = 500


class ExportQuery(Schema):
    format: Literal["json", "xlsx"] = Field("json", description="json 保留全文、可再导入；xlsx 为中文表头的表格")


class ImportOut(Schema):
    created: int
    ids: list[int] = Field(description="新建的知识（草稿，待审核发布）")
    revised: list[int] = Field(description="id 指向已有知识且内容有变化的：已发布的生成修订（审核发布前现行内容不变），草稿直接修改")
    unchanged: list[int] = Field(description="id 指向已有知识且内容相同的：未改动")


class RateOut(Schema):
    numerator: int
    denominator: int
    rate: float | None
    percent: str | None


class ReviewReportOut(Schema):
    stale_days: int = Field(description="REXIAN_KNOWLEDGE_STALE_DAYS")
    direct_answer_rate: RateOut = Field(description="近 30 天直接答复率")
    old: list[ArticleSummary] = Field(description="超过 stale_days 天未更新的现行知识（最多 50 条）")
    expiring: list[ArticleSummary] = Field(description="30 天内失效（最多 50 条）")
    unhelpful: list[ArticleSummary] = Field(description="被标记“没有帮助”（最多 50 条）")


def _require(user, *roles) -> None:
    if not user.has_role(*roles):
        raise ApiError(403, "forbidden", _("您的角色不能使用此功能。"))


@router.get("/knowledge/export", summary="导出全部知识（JSON 或 XLSX 文件）", response={200: None})
def export(request, filters: Query[ExportQuery]):
    _require(request.user, *importexport.TRANSFER_ROLES)
    fmt = filters.format
    response = HttpResponse(content_type=importexport.CONTENT_TYPES[fmt])
    try:
        importexport.write_export(fmt, response)
    except importexport.ExportRefused as error:
        raise invalid_input(error.message, {"format": [_("请改用 format=json。")]}) from None
    record(request.user, AuditAction.EXPORT, summary=f"导出知识库（{fmt}）", request=request, via="api")
    response["Content-Disposition"] = f'attachment; filename="knowledge-{timezone.localdate().isoformat()}.{fmt}"'
    return response


@router.post("/knowledge/import", response={201: ImportOut}, summary="导入知识（multipart 文件字段 file，全部成功或全部不导入）")
def import_articles(request, file: UploadedFile = File(..., description=".xlsx 或 .json，不超过 20 MB")):
    _require(request.user, *importexport.TRANSFER_ROLES)
    try:
        result = importexport.import_upload(file, request.user)
    except importexport.ImportRejected as error:
        message = _("文件中有 %(n)d 处问题，未导入任何知识；请按 details.errors.file 逐条修改后重新导入。") % {"n": len(error.problems)}
        raise invalid_input(message, {"file": error.problems[:MAX_PROBLEMS]}) from None
    return Status(201, {
        "created": len(result.created), "ids": [article.pk for article in result.created],
        "revised": [article.pk for article in result.revised], "unchanged": [article.pk for article in result.unchanged],
    })


@router.get("/knowledge/stale", response=ReviewReportOut, summary="待更新知识与直接答复率（督办员）")
def review_report(request):
    _require(request.user, Role.SUPERVISOR)
    report = services.review_report()
    lists = {key: [summary(article) for article in report[key].prefetch_related("categories")]
             for key in ("old", "expiring", "unhelpful")}
    return {"stale_days": report["stale_days"], "direct_answer_rate": report["direct_answer_rate"], **lists}
