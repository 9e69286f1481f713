"""report.xlsx: one sheet per report table, Chinese headers, numbers kept numeric.

Percentages are stored as fractions with a percent format; they were cut to two
decimals of a percent before, so Excel's display rounding has nothing to round.
Table notes and the method go to a last sheet, 说明, so every other sheet is a
plain table with its header in row 1.
"""

from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from rexian.evaluation.monitoring.campaign import Evaluation
from rexian.evaluation.monitoring.tables import PERCENT, TEXT, Table, method_notes, report_tables

NOTES_SHEET = "说明"


def write_xlsx(evaluation: Evaluation, path: Path) -> None:
    workbook = Workbook()
    workbook.remove(workbook.active)
    tables = report_tables(evaluation)
    for table in tables:
        _sheet(workbook, table)
    notes = workbook.create_sheet(NOTES_SHEET)
    notes.append(("项目", "说明"))
    for title, text in method_notes(evaluation) + [(table.title, table.note) for table in tables if table.note]:
        notes.append((title, text))
    notes.column_dimensions["A"].width = 24
    notes.column_dimensions["B"].width = 100
    notes["A1"].font = notes["B1"].font = Font(bold=True)
    workbook.save(path)


def _sheet(workbook: Workbook, table: Table) -> None:
    sheet = workbook.create_sheet(table.title)
    sheet.append([column.header for column in table.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row_number, row in enumerate(table.rows, start=2):
        for column_number, (value, column) in enumerate(zip(row, table.columns), start=1):
            cell = sheet.cell(row_number, column_number, _value(value, column.kind))
            if value is not None and column.kind != TEXT:
                cell.number_format = _number_format(value, column.kind)
    for index, column in enumerate(table.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(8, min(40, 2 * len(column.header) + 2))
    sheet.freeze_panes = "A2"


def _value(value, kind: str):
    if isinstance(value, Decimal):
        return float(value.scaleb(-2)) if kind == PERCENT else float(value)
    return value


def _number_format(value, kind: str) -> str:
    """Exactly the decimals the cut value has, so Excel shows it unchanged."""
    if kind == PERCENT:
        return "0.00%"
    exponent = value.as_tuple().exponent if isinstance(value, Decimal) else 0
    return "0." + "0" * -exponent if exponent < 0 else "0"
