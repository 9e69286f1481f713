"""The operations figures behind 运行总览, 单位 and 分类, as dashboard tables.

KPIs come from `rexian.metrics.kpis.compute` (docs/metrics.md), so the
dashboards, `rexian stats` and the scorecards agree to the last digit. What the
metrics module does not break down — events per day, callbacks per result — is
counted here from the same `WorkOrderEvent` rows with one grouped query each.
Supervisors and admins see every order, so these whole-centre figures need no
per-user filtering; the views admit no other role.
"""

from collections import Counter
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from rexian.callbacks.choices import CallbackResult
from rexian.dashboards.tables import NUMBER, PERCENT, Column, Table, Tile
from rexian.directory.models import Category, Department
from rexian.evaluation.rates import cut, cut_percent, exact
from rexian.metrics import definitions, report
from rexian.metrics.kpis import KpiRow, compute, period_bounds
from rexian.metrics.models import ScorecardIndicator
from rexian.metrics.scorecards import month_bounds, score_units
from rexian.orders.choices import Channel, State
from rexian.orders.models import WorkOrderEvent

# The tiles of 运行总览, in reading order.
TILE_KPIS = (
    "intake",
    "direct_answer_rate",
    "on_time_accept_rate",
    "completion_rate",
    "on_time_completion_rate",
    "overdue",
    "callback_rate",
    "satisfaction_rate",
)
# Per unit: what a unit is answerable for (intake and direct answers are the centre's).
UNIT_KPIS = (
    "dispatched",
    "on_time_accept_rate",
    "return_rate",
    "completion_rate",
    "on_time_completion_rate",
    "overdue",
    "extension_rate",
    "satisfaction_rate",
    "dissatisfaction_rate",
)
CATEGORY_KPIS = ("intake", "direct_answer_rate", "completion_rate", "on_time_completion_rate", "satisfaction_rate",
                 "dissatisfaction_rate")
CHANNEL_KPIS = ("direct_answer_rate", "completion_rate", "satisfaction_rate")
SATISFACTION_RESULTS = (
    CallbackResult.SATISFIED,
    CallbackResult.BASICALLY,
    CallbackResult.DISSATISFIED,
    CallbackResult.UNREACHABLE,
)
UNSPECIFIED = "（未指定）"


def percent_of(kpi_values: dict) -> Decimal | None:
    """A rate's percent as the metrics module cut it ("77.47"), or None without data."""
    text = kpi_values["percent"]
    return None if text is None else Decimal(text)


def kpi_columns(keys) -> tuple[Column, ...]:
    return tuple(
        Column(definitions.KPI_BY_KEY[key].label, PERCENT if definitions.KPI_BY_KEY[key].is_rate else NUMBER)
        for key in keys
    )


def kpi_cells(values: dict, keys) -> tuple:
    return tuple(percent_of(values[key]) if definitions.KPI_BY_KEY[key].is_rate else values[key] for key in keys)


# ---------------------------------------------------------------- 运行总览


def overall(start: date, end: date) -> dict:
    return compute(start, end)[0].as_dict()


def tiles(values: dict) -> list[Tile]:
    out = []
    for key in TILE_KPIS:
        kpi, value = definitions.KPI_BY_KEY[key], values[key]
        if kpi.is_rate:
            percent = percent_of(value)
            shown = "—" if percent is None else f"{percent}%"
            detail = f"{value['numerator']} / {value['denominator']}"
            tone = "zero" if percent is None else ""
        else:
            shown, detail = str(value), _("件")
            tone = ("tone-red" if value else "zero") if key == "overdue" else ("primary" if key == "intake" else "")
        out.append(Tile(key, kpi.label, shown, detail, tone))
    return out


def kpi_table(values: dict) -> Table:
    """Every KPI with what it is made of, so a tile can be traced to its counts."""
    rows = []
    for kpi in definitions.KPIS:
        value = values[kpi.key]
        if kpi.is_rate:
            rows.append((kpi.label, value["numerator"], value["denominator"], percent_of(value)))
        else:
            rows.append((kpi.label, value, None, None))
    columns = (Column(_("指标")), Column(_("计数（分子）"), NUMBER), Column(_("分母"), NUMBER), Column(_("比率"), PERCENT))
    note = _("比率截取两位小数，不四舍五入；分母为 0 时无比率，显示“—”。口径见 docs/metrics.md。")
    return Table("kpis", _("指标明细"), columns, rows, note)


def daily_table(start: date, end: date, days: list[date]) -> Table:
    """Orders taken (register events) and closed (events into 已办结) per local day, zeros included."""
    since, until = period_bounds(start, end)
    per_day = {
        row["day"]: row
        for row in WorkOrderEvent.objects.filter(created_at__gte=since, created_at__lt=until)
        .filter(Q(action=definitions.REGISTER) | Q(to_state=State.CLOSED))
        .annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(
            intake=Count("id", filter=Q(action=definitions.REGISTER)),
            closed=Count("id", filter=Q(to_state=State.CLOSED)),
        )
        .order_by()
    }
    rows = [(day.isoformat(), *(per_day.get(day, {}).get(name, 0) for name in ("intake", "closed"))) for day in days]
    columns = (Column(_("日期")), Column(_("受理量"), NUMBER), Column(_("办结量"), NUMBER))
    return Table("daily", _("每日受理与办结"), columns, rows, _("办结量为当天进入“已办结”状态的工单数（不限受理日期）。"))


def channel_table(start: date, end: date) -> Table:
    rows_by_channel = {row.key: row.as_dict() for row in compute(start, end, by="channel")}
    total = sum(values["intake"] for values in rows_by_channel.values())
    empty = KpiRow(None).as_dict()
    rows = []
    for channel in Channel:
        values = rows_by_channel.get(channel.value, empty)
        rows.append((str(channel.label), values["intake"], cut_percent(values["intake"], total),
                     *kpi_cells(values, CHANNEL_KPIS)))
    columns = (Column(_("渠道")), Column(_("受理量"), NUMBER), Column(_("占比"), PERCENT), *kpi_columns(CHANNEL_KPIS))
    return Table("channels", _("各渠道受理"), columns, rows)


def first_response_table(start: date, end: date) -> Table:
    """Written channels: share answered within the standard (3 minutes; e-mail 24 hours), from the report."""
    rows = [
        (r["name"], r["limit_minutes"], r["requests"], r["within"],
         cut_percent(r["within"], r["requests"] - r["pending"]), r["median_seconds"], r["p90_seconds"])
        for r in report.first_response(start, end)
    ]
    columns = (
        Column(_("渠道")), Column(_("时限（分钟）"), NUMBER), Column(_("诉求数"), NUMBER), Column(_("时限内响应"), NUMBER),
        Column(_("时限内占比"), PERCENT), Column(_("响应中位数（秒）"), NUMBER), Column(_("P90（秒）"), NUMBER),
    )
    return Table("first_response", _("首次响应（GB/T 33358：短信等 3 分钟，邮箱 24 小时）"), columns, rows)


def satisfaction_table(start: date, end: date) -> Table:
    """Completed callbacks (the 回访率 numerator) by result; 未联系上 only after the last attempt."""
    since, until = period_bounds(start, end)
    counts = Counter(
        dict(
            WorkOrderEvent.objects.filter(
                created_at__gte=since, created_at__lt=until, action__in=definitions.CALLED_BACK
            )
            .values_list("data__result")
            .annotate(n=Count("id"))
            .order_by()
        )
    )
    total = sum(counts[result.value] for result in SATISFACTION_RESULTS)
    rows = [(str(result.label), counts[result.value], cut_percent(counts[result.value], total))
            for result in SATISFACTION_RESULTS]
    columns = (Column(_("回访结果")), Column(_("件数"), NUMBER), Column(_("占比"), PERCENT))
    note = _("综合满意率 =（满意 + 基本满意）/（满意 + 基本满意 + 不满意），未联系上不计入。")
    return Table("satisfaction", _("回访满意度"), columns, rows, note)


# ---------------------------------------------------------------- 单位


def unit_table(start: date, end: date) -> Table:
    """One row per unit with events in the period, in tree order (a unit above its sub-units)."""
    units = Department.objects.in_bulk()
    found = [(units[row.key], row.as_dict()) for row in compute(start, end, by="unit") if row.key in units]
    found.sort(key=lambda item: item[0].path)
    rows = [(unit.code, unit.name, *kpi_cells(values, UNIT_KPIS)) for unit, values in found]
    columns = (Column(_("单位编码")), Column(_("单位")), *kpi_columns(UNIT_KPIS))
    note = _("每个事件计入它记录的单位：签收、退单、答复计入办理单位，审核与回访计入被评价答复的单位；办结率按工单当前单位。")
    return Table("units", _("各单位运行指标"), columns, rows, note)


def scorecard_table(month: date) -> Table:
    first, last = month_bounds(month.year, month.month)
    indicators = list(ScorecardIndicator.objects.filter(active=True))
    columns = (
        Column(_("排名"), NUMBER),
        Column(_("单位编码")),
        Column(_("单位")),
        Column(_("得分"), NUMBER),
        *(
            Column(_("%(label)s（权重 %(weight)d）") % {"label": item.get_kpi_display(), "weight": item.weight}, PERCENT)
            for item in indicators
        ),
    )
    rows = [
        (
            row.rank,
            row.unit_code,
            row.unit_name,
            row.score,
            # score_units hands rates over as floats; exact() reads them as the decimal they print as.
            *(None if row.indicators.get(item.kpi) is None else cut(exact(row.indicators[item.kpi]) * 100)
              for item in indicators),
        )
        for row in score_units(first, last)
    ]
    note = _("得分为各指标得分的加权平均（退单率等越低越好的指标按（1 − 比率）× 100 计），截取两位小数；"
             "同分同名次；无数据的指标不计入该单位的权重，没有任何数据的单位不排名。")
    return Table("scorecard", _("%(year)d年%(month)d月单位考核") % {"year": month.year, "month": month.month},
                 columns, rows, note)


# ---------------------------------------------------------------- 分类


def _category_row(category, values: dict, name: str) -> tuple:
    return (category.code if category else "", name, *kpi_cells(values, CATEGORY_KPIS),
            values["satisfaction_rate"]["denominator"])


def category_tables(start: date, end: date) -> tuple[Table, Table]:
    """(一级分类 roll-up, one row per category orders were filed under).

    The roll-up adds the counters of every category under a top-level one and
    recomputes the rates from the sums, so a rate is never an average of rates.
    """
    categories = Category.objects.in_bulk()
    rows = compute(start, end, by="category")
    tops: dict = {}
    leaves = []
    for row in rows:
        category = categories.get(row.key)
        root_id = int(category.path.strip("/").split("/")[0]) if category else None
        tops.setdefault(root_id, KpiRow(root_id, Counter())).counts.update(row.counts)
        leaves.append((category, row.as_dict()))

    def name(category) -> str:
        """The full path (城乡建设 / 物业管理 / 物业服务) from the categories already loaded."""
        if category is None:
            return UNSPECIFIED
        ids = [int(part) for part in category.path.strip("/").split("/")]
        return " / ".join(categories[pk].name for pk in ids if pk in categories)

    by_intake = lambda item: (-item[1]["intake"], item[0].path if item[0] else "~")  # noqa: E731
    top_rows = sorted(((categories.get(key), row.as_dict()) for key, row in tops.items()), key=by_intake)
    columns = (Column(_("分类编码")), Column(_("分类")), *kpi_columns(CATEGORY_KPIS), Column(_("有效回访"), NUMBER))
    top = Table("top_categories", _("一级分类"), columns,
                [_category_row(c, v, c.name if c else UNSPECIFIED) for c, v in top_rows],
                _("一级分类的各项计数为其下所有分类之和，比率由合计重新计算。"))
    leaf = Table("categories", _("分类明细"), columns,
                 [_category_row(c, v, name(c)) for c, v in sorted(leaves, key=by_intake)],
                 _("工单登记时所选的分类（通常为末级）。"))
    return top, leaf
