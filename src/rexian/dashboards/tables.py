"""What the dashboards show: tables (as HTML and as XLSX) and KPI tiles.

Dashboard tables: one definition each, shown as HTML and downloaded as XLSX.

The table type is the monitoring report's (`Table`, `Column`, `display`), so a
campaign's tables and the operations tables go through the same two paths
and a downloaded sheet holds exactly the figures the page shows: values are
cut for people once, when the table is built. In the sheet a percentage is a
number in a column headed "(%)"; "—" marks a figure with no data, as on the page.
"""

import io
import re
from dataclasses import dataclass
from decimal import Decimal

from django.http import Http404, HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from rexian.core import audit
from rexian.core.xlsx import Sheet, write_workbook
from rexian.evaluation.monitoring.tables import NUMBER, PERCENT, TEXT, Column, Table, display
from rexian.evaluation.rates import MISSING

__all__ = ["NUMBER", "PERCENT", "TEXT", "Column", "Table", "Tile", "display", "xlsx_download", "wants_xlsx"]

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class Tile:
    """One figure at the top of a dashboard."""

    key: str
    label: str
    value: str  # "77.47%", "12" or "—"
    detail: str  # "11764 / 15184" for a rate
    tone: str = ""  # a .stat modifier of rexian.css: "", "primary", "tone-red", "tone-amber", "zero"


def xlsx_header(column: Column) -> str:
    return f"{column.header}(%)" if column.kind == PERCENT else column.header


def xlsx_cell(value, kind: str):
    """Numbers stay numbers (Decimal → float: its digits are already cut); no data is "—"."""
    if value is None or value == "":
        return "" if kind == TEXT else MISSING
    if isinstance(value, Decimal):
        return float(value)
    return value


def wants_xlsx(request) -> bool:
    return request.GET.get("format") == "xlsx"


def xlsx_download(request, tables: list[Table], page: str, scope: str) -> HttpResponse:
    """The table named by ?table=KEY as an XLSX file, recorded in the audit log as an export.

    `page` and `scope` (the period, the campaign) go into the audit summary and
    the file name, so the log says which figures left the system.
    """
    key = request.GET.get("table", "")
    table = next((table for table in tables if table.key == key), None)
    if table is None:
        raise Http404(_("没有这张表：%(key)s") % {"key": key})
    buffer = io.BytesIO()
    rows = ([xlsx_cell(value, column.kind) for value, column in zip(row, table.columns)] for row in table.rows)
    write_workbook(buffer, [Sheet(_SHEET_UNSAFE.sub("-", table.title), [xlsx_header(c) for c in table.columns], rows)])
    audit.record(
        request.user,
        audit.AuditAction.EXPORT,
        summary=_("导出看板表格：%(page)s / %(table)s（%(scope)s，%(n)d 行）")
        % {"page": page, "table": table.title, "scope": scope, "n": len(table.rows)},
        request=request,
    )
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    safe_scope = re.sub(r"[^0-9A-Za-z_-]+", "_", scope).strip("_")
    response["Content-Disposition"] = content_disposition_header(
        True, f"rexian-{table.key}-{safe_scope}.xlsx" if safe_scope else f"rexian-{table.key}.xlsx"
    )
    return response
