"""The call-centre figures behind 话务, from `rexian.callcentre.figures` (docs/callcentre.md).

The figures module does the counting (half-hour sums, short abandons, the
worst 24 hours, the GB/T 33358 checks); this module only lays its results out
as tiles and tables, and folds the hourly rows of the period into the 24
hours of the day.
"""

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from rexian.callcentre.conf import call_settings
from rexian.callcentre.figures import Figures, Rate, Report, call_figures, day_bounds
from rexian.dashboards.tables import NUMBER, PERCENT, Column, Table, Tile

VERDICTS = {True: "达标", False: "未达标", None: "无数据"}


@dataclass(frozen=True)
class CallFigures:
    report: Report
    tiles: list[Tile]
    checks: Table
    hours: Table
    daily: Table
    hour_rates: list  # (hour, Rate) for the chart
    target_percent: object  # the 接通率 target in percent, for the chart's colours

    @property
    def has_calls(self) -> bool:
        return self.report.total.counts.offered > 0


def call_dashboard(start: date, end: date) -> CallFigures:
    since, until = day_bounds(start, end)
    report = call_figures(since, until, by="day")
    hourly = call_figures(since, until, by="hour")
    threshold = report.threshold
    hours = _hours_of_day(hourly)
    config = call_settings()
    return CallFigures(
        report=report,
        tiles=_tiles(report),
        checks=_checks(report),
        hours=_hour_table(hours, threshold),
        daily=_daily_table(report, threshold),
        hour_rates=[(hour, Rate(counts["answered"], counts["offered"])) for hour, counts in enumerate(hours)],
        target_percent=Rate(config.connection_rate_target.numerator, config.connection_rate_target.denominator).percent,
    )


def _hours_of_day(report: Report) -> list[dict]:
    """The period's hourly counts added up per hour of the day (0–23, local time)."""
    hours = [dict(offered=0, answered=0, abandoned=0, within=0) for _hour in range(24)]
    for row in report.rows:
        counts, slot = row.counts, hours[row.start.hour]
        slot["offered"] += counts.offered
        slot["answered"] += counts.answered
        slot["abandoned"] += counts.abandoned
        slot["within"] += counts.answered_within
    return hours


def _tiles(report: Report) -> list[Tile]:
    total, worst = report.total, report.worst_24h
    c = total.counts
    level = total.service_level
    tiles = [
        Tile("offered", _("呼入量"), str(c.offered), _("通"), "primary"),
        Tile("answered", _("人工接通"), str(c.answered), _("通")),
        Tile("abandoned", _("放弃"), str(c.abandoned), _("放弃率 %(rate)s") % {"rate": total.abandonment_rate.text()},
             "" if c.abandoned else "zero"),
        Tile("connection_rate", _("接通率"), total.connection_rate.text(), f"{c.answered} / {c.offered}"),
        Tile("service_level", _("%(s)d秒服务水平") % {"s": report.threshold}, level.text(),
             f"{level.numerator} / {level.denominator}"),
        Tile("asa", _("平均应答时长"), total.average_speed_of_answer.text(), _("接通电话的平均等待")),
        Tile("worst_24h", _("最差24小时接通率"), worst.connection_rate.text() if worst else "—",
             f"{worst.start:%m-%d %H:%M} 起" if worst else _("时段不足 24 小时或无来电")),
    ]
    return [tile if tile.value != "—" else Tile(tile.key, tile.label, tile.value, tile.detail, "zero") for tile in tiles]


def _checks(report: Report) -> Table:
    rows = [(check.label, check.value, check.target, VERDICTS[check.passed]) for check in report.checks]
    columns = (Column(_("指标")), Column(_("实际值")), Column(_("标准要求")), Column(_("结论")))
    worst = report.worst_24h
    where = (
        _("24小时接通率取时段内接通率最低的连续 24 小时：%(start)s 至 %(end)s。")
        % {"start": f"{worst.start:%Y-%m-%d %H:%M}", "end": f"{worst.end:%Y-%m-%d %H:%M}"}
        if worst
        else _("时段不足 24 小时或没有来电，24小时接通率取整个时段。")
    )
    return Table("checks", _("对照 GB/T 33358-2016"), columns, rows, where)


def _row_cells(offered: int, answered: int, abandoned: int, within: int) -> tuple:
    return offered, answered, abandoned, Rate(answered, offered).percent, Rate(within, answered).percent


def _count_columns(threshold: int) -> tuple[Column, ...]:
    return (
        Column(_("呼入"), NUMBER),
        Column(_("接通"), NUMBER),
        Column(_("放弃"), NUMBER),
        Column(_("接通率"), PERCENT),
        Column(_("%(s)d秒服务水平") % {"s": threshold}, PERCENT),
    )


def _hour_table(hours: list[dict], threshold: int) -> Table:
    rows = [
        (f"{hour:02d}:00–{hour + 1:02d}:00", *_row_cells(h["offered"], h["answered"], h["abandoned"], h["within"]))
        for hour, h in enumerate(hours)
    ]
    return Table("hours", _("分时段接通率"), (Column(_("时段")), *_count_columns(threshold)), rows,
                 _("时段内每天同一小时的来电合计。"))


def _daily_table(report: Report, threshold: int) -> Table:
    def cells(row: Figures) -> tuple:
        c = row.counts
        return (row.label, *_row_cells(c.offered, c.answered, c.abandoned, c.answered_within),
                row.average_speed_of_answer.seconds)

    columns = (Column(_("日期")), *_count_columns(threshold), Column(_("平均应答时长（秒）"), NUMBER))
    return Table("daily_calls", _("每日话务"), columns, [cells(row) for row in report.rows])
