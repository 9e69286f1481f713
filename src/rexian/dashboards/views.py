"""统计看板: five read-only pages for supervisors and admins.

Every page takes the same period (?from=&to=, default the last 30 days) and
every table on it downloads as XLSX with ?format=xlsx&table=KEY, recorded in
the audit log as an export. The figures themselves are built in operations.py,
calls.py and monitoring.py; the views only put them on the page.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import BadRequest
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from rexian.accounts.roles import Role
from rexian.callcentre.figures import FiguresError
from rexian.core import audit
from rexian.dashboards import charts, monitoring, operations
from rexian.dashboards.calls import call_dashboard
from rexian.dashboards.periods import month_from, period_from, quick_ranges
from rexian.dashboards.tables import wants_xlsx, xlsx_download
from rexian.evaluation.monitoring.errors import InputError
from rexian.evaluation.monitoring.tables import report_tables
from rexian.orders.views.base import role_required

dashboard_view = role_required(Role.SUPERVISOR)  # admins always pass role checks

PAGES = (
    ("overview", gettext_lazy("运行总览")),
    ("units", gettext_lazy("单位")),
    ("categories", gettext_lazy("分类")),
    ("calls", gettext_lazy("话务")),
    ("monitoring", gettext_lazy("第三方监测")),
)
PERIOD_PAGES = {"overview", "units", "categories", "calls"}
MONITORING_TABLES = ("summary", "overall", "service", "full_connection", "most_improved", "provinces", "items")


def _tabs(request, current: str) -> list[dict]:
    """The dashboards' tab bar; the period chosen on one page carries over to the others."""
    keep = urlencode({key: request.GET[key] for key in ("from", "to") if key in request.GET})
    tabs = []
    for key, label in PAGES:
        url = reverse(f"dashboards:{key}")
        if keep and key in PERIOD_PAGES:
            url = f"{url}?{keep}"
        tabs.append({"key": key, "label": label, "url": url, "active": key == current})
    return tabs


def _page(request, page: str, context: dict, tables: list, scope: str):
    """Render a dashboard, or hand out one of its tables when ?format=xlsx asks for it."""
    title = str(dict(PAGES)[page])
    if wants_xlsx(request):
        return xlsx_download(request, tables, title, scope)
    period = context.get("period")
    ranges = [
        (label, f"?{urlencode({'from': start.isoformat(), 'to': end.isoformat()})}",
         period is not None and (start, end) == (period.start, period.end))
        for label, start, end in quick_ranges()
    ]
    base = {"page": page, "page_title": title, "tabs": _tabs(request, page), "ranges": ranges}
    return render(request, f"dashboards/{page}.html", {**base, **context})


@dashboard_view
def overview(request):
    period = period_from(request)
    values = operations.overall(period.start, period.end)
    daily = operations.daily_table(period.start, period.end, period.days)
    channels = operations.channel_table(period.start, period.end)
    satisfaction = operations.satisfaction_table(period.start, period.end)
    first_response = operations.first_response_table(period.start, period.end)
    kpis = operations.kpi_table(values)
    context = {
        "period": period,
        "tiles": operations.tiles(values),
        "daily": daily,
        "channels": channels,
        "satisfaction": satisfaction,
        "first_response": first_response,
        "kpis": kpis,
        "trend_chart": charts.daily_trend(daily),
        "channel_chart": charts.channel_mix(channels),
        "satisfaction_chart": charts.satisfaction(satisfaction),
    }
    return _page(request, "overview", context, [kpis, daily, channels, satisfaction, first_response], period.label)


@dashboard_view
def units(request):
    period = period_from(request)
    month, month_error = month_from(request, period.end)
    table = operations.unit_table(period.start, period.end)
    scorecard = operations.scorecard_table(month)
    if month_error:
        messages.warning(request, month_error)
    context = {
        "period": period,
        "month": month,
        "units": table,
        "scorecard": scorecard,
        "overdue_chart": charts.ranked_bars(
            table, "单位", "超期件数", title=_("超期件数（件）"), color=charts.RED, skip_zero=True
        ),
        "satisfaction_chart": charts.ranked_bars(
            table, "单位", "综合满意率", title=_("综合满意率（%）"), color=charts.GREEN, out_of_100=True, unit="%"
        ),
        "score_chart": charts.ranked_bars(
            scorecard, "单位", "得分", title=_("考核得分（分）"), color=charts.BLUE, out_of_100=True, width=charts.WIDE
        ),
    }
    return _page(request, "units", context, [table, scorecard], f"{period.label}，{month:%Y-%m}")


@dashboard_view
def categories(request):
    period = period_from(request)
    top, leaves = operations.category_tables(period.start, period.end)
    context = {
        "period": period,
        "top": top,
        "leaves": leaves,
        "intake_chart": charts.ranked_bars(
            top, "分类", "受理量", title=_("一级分类受理量（件）"), color=charts.BLUE, skip_zero=True
        ),
        "satisfaction_chart": charts.ranked_bars(
            top, "分类", "综合满意率", title=_("一级分类综合满意率（%）"), color=charts.GREEN, out_of_100=True, unit="%"
        ),
    }
    return _page(request, "categories", context, [top, leaves], period.label)


@dashboard_view
def calls(request):
    period = period_from(request)
    try:
        figures = call_dashboard(period.start, period.end)
    except FiguresError as error:  # a misconfigured threshold; the page says which
        raise BadRequest(str(error)) from error
    context = {
        "period": period,
        "figures": figures,
        "hour_chart": charts.hourly_connection(figures.hour_rates, figures.target_percent),
        "daily_chart": charts.daily_calls(figures.daily),
    }
    tables = [figures.checks, figures.hours, figures.daily]
    return _page(request, "calls", context, tables, period.label)


# ---------------------------------------------------------------- 第三方监测


@csrf_exempt
@dashboard_view
def monitoring_page(request):
    """Upload (POST) or show a campaign (GET ?run=TOKEN).

    CSRF is checked in `_upload` instead of by the middleware: the middleware
    reads the whole multipart body (spooling files to disk) before any view
    runs, and an oversized upload should be refused from its Content-Length
    before a byte of it is read.
    """
    if request.method != "POST":
        return _show(request)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0  # Django reads nothing of a body with a bad length
    if length > monitoring.max_request_bytes():
        return _upload_form(request, monitoring.UploadForm(), _too_large(), status=413)
    return _upload(request)


@csrf_protect
def _upload(request):
    form = monitoring.UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _upload_form(request, form, status=400)
    try:
        run = monitoring.create_run(request, form)
    except InputError as error:
        return _upload_form(request, form, str(error), status=400)
    return redirect(f"{reverse('dashboards:monitoring')}?{urlencode({'run': run.token})}")


def _too_large() -> str:
    return _("上传的文件太大：每个文件不超过 %(limit)s。") % {"limit": filesizeformat(monitoring.max_upload_bytes())}


def _upload_form(request, form, error: str = "", status: int = 200):
    """The upload form alone, with the reason the last upload was refused."""
    response = _page(request, "monitoring", _monitoring_context(form=form, error=error), [], "")
    response.status_code = status
    return response


def _show(request):
    token = request.GET.get("run", "")
    if not token:
        return _upload_form(request, monitoring.UploadForm())
    run = monitoring.find_run(request, token)
    if run is None:
        return _upload_form(request, monitoring.UploadForm(), _("这次上传的结果已过期或不属于您，请重新上传监测文件。"), 404)
    try:
        evaluation = run.evaluate()
    except InputError as error:  # only if the scoring configuration changed since the upload
        return _upload_form(request, monitoring.UploadForm(), str(error), 400)
    scope = f"{evaluation.first_call_at:%Y-%m-%d}_{evaluation.last_call_at:%Y-%m-%d}"
    download = request.GET.get("download")
    if download in monitoring.REPORT_FILES:
        return _report_download(request, evaluation, download, scope)
    by_key = {table.key: table for table in report_tables(evaluation)}
    tables = [by_key[key] for key in MONITORING_TABLES]
    context = _monitoring_context(
        run=run,
        evaluation=evaluation,
        tables=tables,
        charts=charts.monitoring_charts(evaluation),
        tiles=monitoring.tiles(evaluation),
    )
    return _page(request, "monitoring", context, tables, scope)


def _monitoring_context(**context) -> dict:
    return {"form": monitoring.UploadForm(), "max_upload": monitoring.max_upload_bytes(), **context}


def _report_download(request, evaluation, name: str, scope: str) -> HttpResponse:
    content, content_type = monitoring.report_file(evaluation, name)
    audit.record(
        request.user,
        audit.AuditAction.EXPORT,
        summary=_("导出第三方监测报告 %(name)s（%(file)s，%(n)d 条热线）")
        % {"name": name, "file": evaluation.probes_file, "n": len(evaluation.hotlines)},
        request=request,
    )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, f"monitoring-{scope}-{name}")
    return response
