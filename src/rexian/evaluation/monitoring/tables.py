"""The report's tables, defined once for both report.xlsx and report.html.

Values are already cut for people (percent and scores cut to 2 decimals,
seconds rounded up to 2), so the spreadsheet and the web page show the same
figures and neither can round 94.999 % up to 95.00 %.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from rexian.evaluation.monitoring.campaign import Evaluation, HotlineResult
from rexian.evaluation.monitoring.metrics import COLD, DEAD, HOT, LINE_CLASS_LABELS, WARM
from rexian.evaluation.monitoring.probes import OUTCOME_LABELS
from rexian.evaluation.rates import MISSING, cut, round_up

TEXT, NUMBER, PERCENT = "text", "number", "percent"


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = TEXT


@dataclass(frozen=True)
class Table:
    key: str
    title: str  # also the sheet name: at most 31 characters, none of []:*?/\
    columns: tuple[Column, ...]
    rows: list[tuple]
    note: str = ""


def percent(value: Fraction | None) -> Decimal | None:
    return None if value is None else cut(value * 100, 2)


def points(value: Fraction | None) -> Decimal | None:
    return None if value is None else cut(value, 2)


def seconds(value: Fraction | None) -> Decimal | None:
    return None if value is None else round_up(value, 2)


def display(value, kind: str) -> str:
    """A cell as text for people."""
    if value is None or value == "":
        return MISSING if kind != TEXT else ""
    if kind == PERCENT:
        return f"{value}%"
    return str(value)


def full_connection_rule(evaluation: Evaluation) -> str:
    config = evaluation.config
    together = "连续 " if config.full_connection_consecutive else ""
    return f"本榜为 {config.rounds} 轮监测中{together}{config.full_connection_min_rounds} 轮及以上百分百接通的热线"


def method_notes(evaluation: Evaluation) -> list[tuple[str, str]]:
    """How to read every table: sources, ranking and number rules."""
    return [
        ("数据", f"测试电话：{evaluation.probes_file}；上期：{evaluation.previous_file or '无'}"),
        ("评分配置", evaluation.config.source),
        ("排名规则", "同分同名次，其后名次顺延（1、2、2、4）；同名次按热线编号排列，先后不代表优劣"),
        ("数值规则", "比率和得分截取两位小数（不四舍五入，未达标的数值不会显示成达标），接通时长向上取两位小数"),
    ]


def report_tables(evaluation: Evaluation) -> list[Table]:
    config = evaluation.config
    by_id = {result.metrics.hotline_id: result for result in evaluation.hotlines}
    top = f"（前 {config.top} 名）" if config.top else ""
    improved_note = (
        f"本榜为与上期相比总体排名上升 {config.most_improved_min_rise} 名及以上的热线，按上升名次排列"
        if evaluation.previous_file
        else "未提供上期监测数据（--previous），本榜为空"
    )
    return [
        _summary(evaluation),
        _hotlines("overall", f"总体排行榜{top}", [by_id[key] for key in evaluation.lists["overall"]]),
        _service(evaluation, [by_id[key] for key in evaluation.lists["service"]], top),
        _full_connection(evaluation, [by_id[key] for key in evaluation.lists["full_connection"]]),
        _most_improved([by_id[key] for key in evaluation.lists["most_improved"]], improved_note),
        _provinces(evaluation),
        _items(evaluation),
        _hotlines("all_hotlines", "全部热线排名", evaluation.hotlines),
        _rounds(evaluation),
        _hotline_items(evaluation),
        _outcomes(evaluation),
    ]


def _place(result: HotlineResult) -> tuple[str, str, str]:
    return result.metrics.hotline_id, result.metrics.province, result.metrics.city


PLACE_COLUMNS = (Column("热线编号"), Column("省份"), Column("城市"))


def _summary(evaluation: Evaluation) -> Table:
    config = evaluation.config
    classes = evaluation.line_classes
    hot, warm = _threshold(config.hot_min_rate), _threshold(config.warm_min_rate)
    rows = [
        ("监测热线", len(evaluation.hotlines), "条"),
        ("测试电话", evaluation.calls, "次"),
        ("接通", evaluation.answered, "次"),
        ("总体接通率", percent(evaluation.connection_rate), "%"),
        ("可接通热线（至少接通一次）", evaluation.reachable_hotlines, "条"),
        (f"热线（接通率 ≥ {hot}%）", classes[HOT], "条"),
        (f"温线（接通率 {warm}%–{hot}%）", classes[WARM], "条"),
        (f"冷线（接通率 < {warm}%）", classes[COLD], "条"),
        (f"死线（≥ {config.dead_min_calls} 个不同时间拨打均未接通）", classes[DEAD], "条"),
        ("平均接通时长（接通电话，含自助语音）", seconds(evaluation.mean_seconds_to_human), "秒"),
        ("总体平均得分", points(evaluation.mean_score("overall")), "分"),
        ("接通情况平均得分", points(evaluation.mean_score("connection")), "分"),
        ("其中：接通率指标平均得分", points(evaluation.mean_score("rate_points")), "分"),
        ("其中：接通时长指标平均得分", points(evaluation.mean_score("speed_points")), "分"),
        ("服务水平平均得分（有接通的热线）", points(evaluation.mean_score("service")), "分"),
        *(
            (f"{group.label}（全部接通电话汇总）", points(evaluation.group_achievement[group.key]), "分")
            for group in config.groups
        ),
        ("百分百接通榜入选", len(evaluation.lists["full_connection"]), "条"),
        ("最佳进步榜入选", len(evaluation.lists["most_improved"]) if evaluation.previous_file else None, "条"),
    ]
    return Table("summary", "监测概况", (Column("指标"), Column("数值", NUMBER), Column("单位")), rows)


def _threshold(rate: Fraction) -> str:
    """A configured rate as a short percent: 0.95 → "95", 0.305 → "30.5"."""
    return format(cut(rate * 100, 4).normalize(), "f")


def _hotlines(key: str, title: str, results: Iterable[HotlineResult]) -> Table:
    columns = (
        Column("排名", NUMBER),
        *PLACE_COLUMNS,
        Column("总体得分", NUMBER),
        Column("接通情况得分", NUMBER),
        Column("服务水平得分", NUMBER),
        Column("接通率", PERCENT),
        Column("平均接通时长（秒）", NUMBER),
        Column("线路类别"),
        Column("拨打次数", NUMBER),
        Column("接通次数", NUMBER),
        Column("上期排名", NUMBER),
        Column("名次上升", NUMBER),
        Column("说明"),
    )
    rows = [
        (
            result.rank_overall,
            *_place(result),
            points(result.scores.overall),
            points(result.scores.connection),
            points(result.scores.service),
            percent(result.metrics.connection_rate),
            seconds(result.metrics.mean_seconds_to_human),
            LINE_CLASS_LABELS[result.metrics.line_class],
            result.metrics.calls,
            result.metrics.answered,
            result.previous_rank_overall,
            result.rank_rise,
            "；".join(result.metrics.notes),
        )
        for result in results
    ]
    return Table(key, title, columns, rows)


def _service(evaluation: Evaluation, results: Sequence[HotlineResult], top: str) -> Table:
    groups = evaluation.config.groups
    columns = (
        Column("服务水平排名", NUMBER),
        *PLACE_COLUMNS,
        Column("服务水平得分", NUMBER),
        *(Column(group.label, NUMBER) for group in groups),
        Column("总体排名", NUMBER),
    )
    rows = [
        (
            result.rank_service,
            *_place(result),
            points(result.scores.service),
            *(points(result.scores.groups[group.key]) for group in groups),
            result.rank_overall,
        )
        for result in results
    ]
    note = "没有接通电话（或没有适用检查项）的热线无法评价服务水平，不参与本榜排名"
    return Table("service", f"服务水平排行榜{top}", columns, rows, note)


def _full_connection(evaluation: Evaluation, results: Sequence[HotlineResult]) -> Table:
    columns = (Column("总体排名", NUMBER), *PLACE_COLUMNS, Column("百分百接通的轮次"), Column("接通率", PERCENT))
    rows = [
        (
            result.rank_overall,
            *_place(result),
            "、".join(str(stat.round) for stat in result.metrics.rounds if stat.full_connection),
            percent(result.metrics.connection_rate),
        )
        for result in results
    ]
    return Table("full_connection", "百分百接通榜", columns, rows, full_connection_rule(evaluation))


def _most_improved(results: Sequence[HotlineResult], note: str) -> Table:
    columns = (*PLACE_COLUMNS, Column("本期排名", NUMBER), Column("上期排名", NUMBER), Column("上升名次", NUMBER))
    rows = [
        (*_place(result), result.rank_overall, result.previous_rank_overall, result.rank_rise) for result in results
    ]
    return Table("most_improved", "最佳进步榜", columns, rows, note)


def _provinces(evaluation: Evaluation) -> Table:
    columns = (
        Column("排名", NUMBER),
        Column("省份"),
        Column("热线数", NUMBER),
        Column("平均总体得分", NUMBER),
        Column("接通率", PERCENT),
        *(Column(label, NUMBER) for label in LINE_CLASS_LABELS.values()),
    )
    rows = [
        (
            province.rank,
            province.province,
            province.hotlines,
            points(province.mean_overall),
            percent(province.connection_rate),
            *(province.line_classes[key] for key in LINE_CLASS_LABELS),
        )
        for province in evaluation.provinces
    ]
    return Table("provinces", "省份排行", columns, rows, "省份得分为该省各条热线总体得分的平均值")


def _items(evaluation: Evaluation) -> Table:
    columns = (
        Column("维度"),
        Column("检查项"),
        Column("列名"),
        Column("做到次数", NUMBER),
        Column("适用次数", NUMBER),
        Column("达成率", PERCENT),
    )
    rows = [
        (
            group.label,
            item.label,
            item.key,
            evaluation.items[item.key].done,
            evaluation.items[item.key].applicable,
            percent(evaluation.items[item.key].rate),
        )
        for group in evaluation.config.groups
        for item in group.items
    ]
    note = "达成率 = 做到次数 / 适用次数，全部热线的接通电话汇总计算；空单元格为不适用，不计入"
    return Table("items", "检查项达成率", columns, rows, note)


def _rounds(evaluation: Evaluation) -> Table:
    numbers = range(1, evaluation.config.rounds + 1)
    columns = (*PLACE_COLUMNS, *(Column(f"第 {number} 轮接通率", PERCENT) for number in numbers))
    rows = [
        (*_place(result), *(percent(stat.connection_rate) for stat in result.metrics.rounds))
        for result in evaluation.hotlines
    ]
    return Table("rounds", "分轮接通率", columns, rows)


def _hotline_items(evaluation: Evaluation) -> Table:
    items = evaluation.config.items
    columns = (*PLACE_COLUMNS, *(Column(item.label, PERCENT) for item in items))
    rows = [
        (*_place(result), *(percent(result.metrics.items[item.key].rate) for item in items))
        for result in evaluation.hotlines
    ]
    return Table("hotline_items", "各热线检查项达成率", columns, rows)


def _outcomes(evaluation: Evaluation) -> Table:
    columns = (*PLACE_COLUMNS, *(Column(label, NUMBER) for label in OUTCOME_LABELS.values()))
    rows = [
        (*_place(result), *(result.metrics.outcomes.get(key, 0) for key in OUTCOME_LABELS))
        for result in evaluation.hotlines
    ]
    return Table("outcomes", "拨打结果分布", columns, rows)
