"""report.html: one self-contained page, readable offline and printable.

Inline CSS and inline SVG only: no script, no external style, font or image,
so the file can be mailed, archived and opened years later without a network.
"""

from datetime import datetime
from pathlib import Path

from rexian.evaluation import svgcharts
from rexian.evaluation.monitoring.campaign import Evaluation
from rexian.evaluation.monitoring.metrics import LINE_CLASS_LABELS
from rexian.evaluation.monitoring.tables import (
    NUMBER,
    TEXT,
    Table,
    display,
    method_notes,
    percent,
    points,
    report_tables,
    seconds,
)
from rexian.evaluation.svgcharts import escape

TITLE = "12345 政务服务便民热线第三方监测报告"
# Tables too wide for a page stay in report.xlsx only.
HTML_TABLES = ("summary", "overall", "service", "full_connection", "most_improved", "provinces", "items")
LINE_CLASS_COLORS = ("#3a9a5b", "#e0a32c", "#2f6fb0", "#7f8c8d")

CSS = """
body { font-family: 'PingFang SC','Hiragino Sans GB','Microsoft YaHei','Noto Sans CJK SC',sans-serif;
       margin: 0 auto; max-width: 1100px; padding: 1.5rem; color: #222; line-height: 1.5; }
h1 { font-size: 1.6rem; margin: 0 0 .3rem; }
h2 { font-size: 1.25rem; border-bottom: 2px solid #2f6fb0; padding-bottom: .2rem; margin-top: 2rem; }
.meta, .note { color: #555; font-size: .9rem; }
.cards { display: flex; flex-wrap: wrap; gap: .8rem; margin: 1rem 0; }
.card { border: 1px solid #ccd; border-radius: 6px; padding: .6rem 1rem; min-width: 9rem; }
.card b { display: block; font-size: 1.5rem; color: #2f6fb0; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; }
svg.chart { max-width: 100%; height: auto; border: 1px solid #eee; border-radius: 6px; }
table { border-collapse: collapse; font-size: .85rem; margin: .5rem 0; }
caption { text-align: left; font-weight: bold; padding: .3rem 0; }
th, td { border: 1px solid #ccd; padding: .2rem .5rem; white-space: nowrap; }
.scroll { overflow-x: auto; max-width: 100%; }
th { background: #eef2f8; position: sticky; top: 0; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
tbody tr:nth-child(even) { background: #f8f9fb; }
details summary { cursor: pointer; font-weight: bold; margin: .5rem 0; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; font-size: .9rem; }
dt { font-weight: bold; }
@media print { th { position: static; } .scroll { overflow: visible; } .charts { display: block; } }
"""


def render_html(evaluation: Evaluation) -> str:
    tables = {table.key: table for table in report_tables(evaluation)}
    sections = [
        _cards(evaluation),
        "<h2>图表</h2>",
        f'<div class="charts">{"".join(_charts(evaluation))}</div>',
        *(f"<h2>{escape(tables[key].title)}</h2>{_table(tables[key])}" for key in HTML_TABLES),
        "<h2>全部热线</h2><details><summary>展开全部热线排名（完整数据另见 report.xlsx）</summary>"
        f"{_table(tables['all_hotlines'])}</details>",
        "<h2>方法说明</h2><dl>"
        + "".join(f"<dt>{escape(name)}</dt><dd>{escape(text)}</dd>" for name, text in method_notes(evaluation))
        + "</dl>",
    ]
    generated = datetime.now().strftime("%Y-%m-%d %H:%M")
    meta = (
        f"监测时间 {evaluation.first_call_at:%Y-%m-%d} 至 {evaluation.last_call_at:%Y-%m-%d}，"
        f"{evaluation.config.rounds} 轮；{len(evaluation.hotlines)} 条热线，{evaluation.calls} 次测试电话；"
        f"报告生成于 {generated}"
    )
    return (
        '<!DOCTYPE html>\n<html lang="zh-Hans">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(TITLE)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f'<header><h1>{escape(TITLE)}</h1><p class="meta">{escape(meta)}</p></header>\n<main>\n'
        + "\n".join(sections)
        + "\n</main>\n</body>\n</html>\n"
    )


def write_html(evaluation: Evaluation, path: Path) -> None:
    path.write_text(render_html(evaluation), encoding="utf-8")


def _cards(evaluation: Evaluation) -> str:
    figures = [
        ("总体平均得分", display(points(evaluation.mean_score("overall")), NUMBER), "分"),
        ("总体接通率", display(percent(evaluation.connection_rate), NUMBER), "%"),
        ("可接通热线", f"{evaluation.reachable_hotlines}", f"/{len(evaluation.hotlines)} 条"),
        ("死线", f"{evaluation.line_classes['dead']}", "条"),
        ("平均接通时长", display(seconds(evaluation.mean_seconds_to_human), NUMBER), "秒"),
        ("服务水平平均得分", display(points(evaluation.mean_score("service")), NUMBER), "分"),
    ]
    cards = "".join(
        f'<div class="card">{escape(name)}<b>{escape(value)}<small>{escape(unit)}</small></b></div>'
        for name, value, unit in figures
    )
    return f'<div class="cards">{cards}</div>'


def _charts(evaluation: Evaluation) -> list[str]:
    classes = evaluation.line_classes
    charts = [
        svgcharts.bar_chart(
            list(LINE_CLASS_LABELS.values()),
            [classes[key] for key in LINE_CLASS_LABELS],
            title="热线接通分类（条）",
            colors=LINE_CLASS_COLORS,
            width=420,
        ),
        svgcharts.line_chart(
            [f"第 {stat.round} 轮" for stat in evaluation.rounds],
            {"接通率": [percent(stat.connection_rate) for stat in evaluation.rounds]},
            title="各轮接通率（%）",
            max_value=100,
            width=420,
        ),
        svgcharts.horizontal_bar_chart(
            [province.province for province in evaluation.provinces],
            [points(province.mean_overall) for province in evaluation.provinces],
            title="各省（区、市）热线平均得分（分）",
            max_value=100,
            width=860,
        ),
    ]
    with_dead = sorted(
        (province for province in evaluation.provinces if province.dead_lines),
        key=lambda province: (-province.dead_lines, province.rank),
    )
    if with_dead:  # as in the 2017 report, provinces without a dead line are left out
        charts.append(
            svgcharts.horizontal_bar_chart(
                [province.province for province in with_dead],
                [province.dead_lines for province in with_dead],
                title="各省（区、市）死线数量（条）",
                colors=(LINE_CLASS_COLORS[-1],),
                width=560,
            )
        )
    for group in evaluation.config.groups:
        charts.append(
            svgcharts.horizontal_bar_chart(
                [item.label for item in group.items],
                [percent(evaluation.items[item.key].rate) for item in group.items],
                title=f"{group.label}各指标达成率（%）",
                max_value=100,
                width=560,
                unit="%",
            )
        )
    return charts


def _table(table: Table) -> str:
    head = "".join(f'<th scope="col">{escape(column.header)}</th>' for column in table.columns)
    cell_tags = ["<td>" if column.kind == TEXT else '<td class="n">' for column in table.columns]
    body = "".join(
        "<tr>"
        + "".join(
            f"{tag}{escape(display(value, column.kind))}</td>"
            for tag, value, column in zip(cell_tags, row, table.columns)
        )
        + "</tr>"
        for row in table.rows
    )
    empty = f'<tr><td colspan="{len(table.columns)}">（无）</td></tr>' if not table.rows else ""
    note = f'<p class="note">注：{escape(table.note)}</p>' if table.note else ""
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}{empty}</tbody></table></div>{note}'
