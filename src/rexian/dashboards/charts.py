"""The dashboards' charts: inline SVG from `rexian.evaluation.svgcharts`, fed from the tables.

Each chart is drawn from the same table rows the page lists under it, so a bar
and its table cell can never disagree. Colours are the stylesheet's (rexian.css
custom properties, repeated here because SVG attributes cannot read them).
"""

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from rexian.dashboards.tables import Table
from rexian.evaluation import svgcharts
from rexian.evaluation.monitoring.campaign import Evaluation
from rexian.evaluation.monitoring.metrics import LINE_CLASS_LABELS
from rexian.evaluation.monitoring.tables import percent, points

BLUE, BLUE_LIGHT = "#1a56a6", "#7fa8dc"
GREEN, TEAL, AMBER, RED, GREY, PURPLE = "#1f8a4c", "#0f7c80", "#d48a12", "#c62828", "#8a96a6", "#6b3fb5"
SATISFACTION_COLORS = (GREEN, TEAL, RED, GREY)  # 满意, 基本满意, 不满意, 未联系上
LINE_CLASS_COLORS = (GREEN, AMBER, BLUE, GREY)  # 热线, 温线, 冷线, 死线
WIDE, HALF = 1100, 540  # a full-width card and a half-width card at 1440 px; smaller screens scale down


def _safe(svg: str) -> SafeString:
    return mark_safe(svg)  # svgcharts escapes every label and value it writes


def count_top(values) -> int:
    """An axis top for counts that gives whole-number ticks (at least 5)."""
    return int(svgcharts.nice_ceiling(max([5, *(value or 0 for value in values)])))


def column(table: Table, index: int) -> list:
    return [row[index] for row in table.rows]


def column_index(table: Table, header: str) -> int:
    return [column.header for column in table.columns].index(header)


# ---------------------------------------------------------------- operations


def daily_trend(daily: Table) -> SafeString:
    labels = [day[5:].replace("-", "/") for day in column(daily, 0)]
    intake, closed = column(daily, 1), column(daily, 2)
    return _safe(
        svgcharts.line_chart(
            labels,
            {_("受理量"): intake, _("办结量"): closed},
            title=_("每日受理量与办结量"),
            colors=(BLUE, GREEN),
            max_value=count_top(intake + closed),
            width=WIDE,
            height=300,
            unit=_("件"),
            description=_("%(first)s 至 %(last)s 每天的受理量和办结量，合计受理 %(i)d 件、办结 %(c)d 件。")
            % {"first": labels[0] if labels else "", "last": labels[-1] if labels else "", "i": sum(intake),
               "c": sum(closed)},
        )
    )


def channel_mix(channels: Table) -> SafeString:
    labels, counts = column(channels, 0), column(channels, 1)
    return _safe(
        svgcharts.horizontal_bar_chart(
            labels,
            counts,
            title=_("各渠道受理量（件）"),
            colors=(BLUE,),
            max_value=count_top(counts),
            width=HALF,
            bar_height=20,
            description="；".join(f"{label} {count} 件" for label, count in zip(labels, counts)),
        )
    )


def satisfaction(table: Table) -> SafeString:
    labels, counts = column(table, 0), column(table, 1)
    return _safe(
        svgcharts.horizontal_bar_chart(
            labels,
            counts,
            title=_("回访结果"),
            colors=SATISFACTION_COLORS,
            max_value=count_top(counts),
            width=HALF,
            bar_height=26,
            value_format=lambda value: f"{value} 件",
            description="；".join(f"{label} {count} 件" for label, count in zip(labels, counts)),
        )
    )


def ranked_bars(table: Table, label: str, value: str, *, title: str, color: str, out_of_100=False, unit="",
                skip_zero=False, limit=30, width=HALF) -> SafeString | None:
    """Horizontal bars of the table's `value` column named by its `label` column, largest first
    (at most `limit`); None when nothing is left to draw.

    `out_of_100` fixes the scale at 0–100 (rates in percent, scores), so two
    charts of the same measure compare by eye.
    """
    label_index, value_index = column_index(table, label), column_index(table, value)
    pairs = [(row[label_index], row[value_index]) for row in table.rows if row[value_index] is not None]
    if skip_zero:
        pairs = [pair for pair in pairs if pair[1]]
    if not pairs:
        return None
    pairs.sort(key=lambda pair: -pair[1])
    pairs = pairs[:limit]
    labels, values = [label for label, _value in pairs], [value for _label, value in pairs]
    return _safe(
        svgcharts.horizontal_bar_chart(
            labels,
            values,
            title=title,
            colors=(color,),
            max_value=100 if out_of_100 else count_top(values),
            unit=unit,
            width=width,
            description="；".join(f"{label} {value}{unit}" for label, value in pairs),
        )
    )


# ---------------------------------------------------------------- calls


def hourly_connection(hour_rates: list, target_percent) -> SafeString:
    """接通率 per hour of day; hours below the GB/T target in amber, hours without calls left empty."""
    values = [rate.percent for _hour, rate in hour_rates]
    colors = [AMBER if value is not None and value < target_percent else BLUE for value in values]
    below = [f"{hour}时" for (hour, _rate), value in zip(hour_rates, values) if value is not None and value < target_percent]
    return _safe(
        svgcharts.bar_chart(
            [str(hour) for hour, _rate in hour_rates],
            values,
            title=_("各小时接通率（%）"),
            colors=colors,
            max_value=100,
            unit="%",
            width=WIDE,
            height=280,
            rotate_labels=False,
            show_values=False,
            reference=(target_percent, _("目标 %(target)s%%") % {"target": target_percent}),
            description=_("横轴为一天中的小时（0–23 时）。低于 %(target)s%% 的小时：%(below)s。")
            % {"target": target_percent, "below": "、".join(below) or _("无")},
        )
    )


def daily_calls(daily: Table) -> SafeString:
    labels = [label[5:].replace("-", "/") for label in column(daily, 0)]
    offered, answered, abandoned = column(daily, 1), column(daily, 2), column(daily, 3)
    return _safe(
        svgcharts.line_chart(
            labels,
            {_("呼入"): offered, _("接通"): answered, _("放弃"): abandoned},
            title=_("每日呼入、接通与放弃"),
            colors=(BLUE, GREEN, RED),
            max_value=count_top(offered),
            width=WIDE,
            unit=_("通"),
            description=_("合计呼入 %(o)d 通，接通 %(a)d 通，放弃 %(b)d 通。")
            % {"o": sum(offered), "a": sum(answered), "b": sum(abandoned)},
        )
    )


# ---------------------------------------------------------------- monitoring


def monitoring_charts(evaluation: Evaluation) -> list[SafeString]:
    classes = evaluation.line_classes
    provinces = evaluation.provinces
    charts = [
        svgcharts.bar_chart(
            list(LINE_CLASS_LABELS.values()),
            [classes[key] for key in LINE_CLASS_LABELS],
            title=_("热线接通分类（条）"),
            colors=LINE_CLASS_COLORS,
            max_value=count_top(classes.values()),
            width=HALF,
            height=260,
            description="；".join(f"{label} {classes[key]} 条" for key, label in LINE_CLASS_LABELS.items()),
        ),
        svgcharts.horizontal_bar_chart(
            [province.province for province in provinces],
            [points(province.mean_overall) for province in provinces],
            title=_("各省（区、市）热线平均得分（分）"),
            colors=(BLUE,),
            max_value=100,
            width=HALF,
            description=_("按平均总体得分从高到低排列。"),
        ),
    ]
    with_dead = sorted((p for p in provinces if p.dead_lines), key=lambda p: (-p.dead_lines, p.rank))
    if with_dead:  # as in the 2017 report, provinces without a dead line are left out
        charts.append(
            svgcharts.horizontal_bar_chart(
                [province.province for province in with_dead],
                [province.dead_lines for province in with_dead],
                title=_("各省（区、市）死线数量（条）"),
                colors=(GREY,),
                max_value=count_top([p.dead_lines for p in with_dead]),
                width=HALF,
                description="；".join(f"{p.province} {p.dead_lines} 条" for p in with_dead),
            )
        )
    for group in evaluation.config.groups:
        charts.append(
            svgcharts.horizontal_bar_chart(
                [item.label for item in group.items],
                [percent(evaluation.items[item.key].rate) for item in group.items],
                title=_("%(group)s各检查项达成率（%%）") % {"group": group.label},
                colors=(TEAL,),
                max_value=100,
                unit="%",
                width=HALF,
            )
        )
    return [_safe(chart) for chart in charts]
