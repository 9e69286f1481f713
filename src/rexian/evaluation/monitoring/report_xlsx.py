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
from rexian.evaluation.monitoring.tables import PERCENT, TEXT, Table, report_tables

NOTES_SHEET = "说明"


def write_xlsx(evaluation: Evaluation, path: Path) -> None:
    workbook = Workbook()
    workbook.remove(workbook.active)
    tables = report_tables(evaluation)
    for table in tables:
        _sheet(workbook, table)
    notes = workbook.create_sheet(NOTES_SHEET)
    notes.append(("表", "说明"))
    for title, text in method_notes(evaluation) + [(table.title, table.note) for table in tables if table.note]:
        notes.append((title, text))
    notes.column_dimensions["A"].width = 24
    notes.column_dimensions["B"].width = 100
    notes["A1"].font = notes["B1"].font = Font(bold=True)
    workbook.save(path)


def method_notes(evaluation: Evaluation) -> list[tuple[str, str]]:
    return [
        ("数据", f"测试电话：{evaluation.probes_file}；上期：{evaluation.previous_file or '无'}"),
        ("配置", f"评分配置：{evaluation.config.source}"),
        ("排名规则", "同分同名次，下一名次顺延（1、2、2、4）；同名次按热线编号排列，排列先后不代表优劣"),
        ("数值规则", "比率与得分截取两位小数（不四舍五入，不会把未达标的数值显示为达标），接通时长向上取两位小数"),
    ]


def _sheet(workbook: Workbook, table: Table) -> None:
    sheet = workbook.create_sheet(table.title)
    sheet.append([column.header for column in table.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row in table.rows:
        sheet.append([_value(value, column.kind) for value, column in zip(row, table.columns)])
    for index, column in enumerate(table.columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(8, min(40, 2 * len(column.header) + 2))
        if column.kind == TEXT:
            continue
        for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
            if isinstance(cell.value, (int, float)):
                cell.number_format = _number_format(table, index - 1, cell.row - 2)
    sheet.freeze_panes = "A2"


def _value(value, kind: str):
    if isinstance(value, Decimal):
        return float(value.scaleb(-2)) if kind == PERCENT else float(value)
    return value


def _number_format(table: Table, column: int, row: int) -> str:
    """Show exactly the decimals the cut value has (percent: two)."""
    if table.columns[column].kind == PERCENT:
        return "0.00%"
    value = table.rows[row][column]
    if isinstance(value, Decimal) and value.as_tuple().exponent < 0:
        return "0." + "0" * -value.as_tuple().exponent
    return "0"
