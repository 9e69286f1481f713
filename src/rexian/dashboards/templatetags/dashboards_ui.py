"""`{% data_table table %}`: a dashboard table as a card, with its chart and its XLSX link."""

from django import template

from rexian.dashboards.tables import TEXT, display

register = template.Library()

# Words that read better as a coloured badge wherever a table shows them.
BADGES = {
    "达标": "verdict-pass",
    "未达标": "verdict-fail",
    "无数据": "verdict-none",
    "热线": "line-hot",
    "温线": "line-warm",
    "冷线": "line-cold",
    "死线": "line-dead",
}


def _cell(value, kind: str) -> dict:
    text = display(value, kind)
    if kind != TEXT:
        return {"text": text, "css": "n"}
    return {"text": text, "css": "", "badge": BADGES.get(text, "")}


@register.inclusion_tag("dashboards/includes/table.html", takes_context=True)
def data_table(context, table, chart=None, collapsed=False, heading=""):
    """`collapsed` tucks a long table under its chart into a <details>; the download link stays in view."""
    query = context["request"].GET.copy()
    query.pop("download", None)
    query["format"], query["table"] = "xlsx", table.key
    columns = [{"header": column.header, "css": "" if column.kind == TEXT else "n"} for column in table.columns]
    rows = [[_cell(value, column.kind) for value, column in zip(row, table.columns)] for row in table.rows]
    return {
        "table": table,
        "heading": heading or table.title,
        "columns": columns,
        "rows": rows,
        "chart": chart,
        "collapsed": collapsed,
        "download_url": f"?{query.urlencode()}",
    }


@register.inclusion_tag("dashboards/includes/tiles.html")
def tiles(items, label=""):
    return {"tiles": items, "label": label}
