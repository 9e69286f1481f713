"""The KPI report for a period: overall, per dimension and the scorecard, as JSON or XLSX."""

from datetime import date

from rexian.channels.firstresponse import by_channel as first_responses
from rexian.core.xlsx import Sheet, write_workbook
from rexian.evaluation.rates import cut_percent
from rexian.directory.models import Category, Department
from rexian.metrics.definitions import KPIS
from rexian.metrics.kpis import DIMENSIONS, compute, period_bounds
from rexian.metrics.scorecards import score_units
from rexian.orders.choices import Channel, OrderType

DIMENSION_LABELS = {"channel": "按渠道", "type": "按类型", "category": "按分类", "unit": "按单位"}


def _namer(by: str):
    if by == "channel":
        return lambda key: str(Channel(key).label) if key in Channel.values else str(key)
    if by == "type":
        return lambda key: str(OrderType(key).label) if key in OrderType.values else str(key)
    model = Category if by == "category" else Department
    names = dict(model.objects.values_list("pk", "name"))
    return lambda key: names.get(key, "（未指定）")


def build(start: date, end: date) -> dict:
    overall = compute(start, end)[0].as_dict()
    report = {"period": {"from": start.isoformat(), "to": end.isoformat()}, "overall": overall, "by": {}}
    for by in DIMENSIONS:
        name = _namer(by)
        report["by"][by] = [
            {"key": row.key, "name": name(row.key) if row.key is not None else "（未指定）", **row.as_dict()}
            for row in compute(start, end, by=by)
        ]
    report["first_response"] = first_response(start, end)
    report["scorecard"] = [
        {"rank": row.rank, "unit": row.unit_code, "name": row.unit_name,
         "score": None if row.score is None else str(row.score), "indicators": row.indicators}
        for row in score_units(start, end)
    ]
    return report


def first_response(start: date, end: date) -> list[dict]:
    """Per channel: share of written requests answered within the standard (SMS, WeChat, web:
    3 minutes; e-mail: 24 hours), median and p90 seconds (rexian.channels.firstresponse)."""
    since, until = period_bounds(start, end)
    rows = []
    for channel, figures in first_responses(since, until).items():
        rows.append({
            "channel": channel,
            "name": _namer("channel")(channel),
            "limit_minutes": figures.limit_minutes,
            "requests": figures.requests,
            "answered": figures.answered,
            "within": figures.within,
            "pending": figures.pending,
            "rate": figures.share_within,
            "percent": None if not figures.decided else str(cut_percent(figures.within, figures.decided)),
            "median_seconds": figures.median_seconds,
            "p90_seconds": figures.p90_seconds,
        })
    return rows


def _cells(values: dict) -> list:
    cells = []
    for kpi in KPIS:
        value = values[kpi.key]
        cells.append((value["percent"] or "—") if kpi.is_rate else value)
    return cells


def write_xlsx(report: dict, target) -> None:
    headers = [kpi.label + ("(%)" if kpi.is_rate else "") for kpi in KPIS]
    sheets = [Sheet("总体", headers, [_cells(report["overall"])])]
    for by, rows in report["by"].items():
        sheets.append(Sheet(DIMENSION_LABELS[by], ["名称", *headers], [[row["name"], *_cells(row)] for row in rows]))
    sheets.append(
        Sheet(
            "首次响应",
            ["渠道", "时限(分钟)", "诉求数", "已响应", "时限内", "时限内占比(%)", "中位数(秒)", "P90(秒)"],
            [[r["name"], r["limit_minutes"], r["requests"], r["answered"], r["within"], r["percent"] or "—",
              r["median_seconds"] if r["median_seconds"] is not None else "—",
              r["p90_seconds"] if r["p90_seconds"] is not None else "—"] for r in report["first_response"]],
        )
    )
    sheets.append(
        Sheet(
            "单位考核",
            ["排名", "单位编码", "单位", "得分"],
            [[row["rank"] or "—", row["unit"], row["name"], row["score"] or "—"] for row in report["scorecard"]],
        )
    )
    write_workbook(target, sheets)
