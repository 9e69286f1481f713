"""Writing tables to XLSX (every table people see can be downloaded)."""

from dataclasses import dataclass
from typing import IO, Iterable

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter


@dataclass
class Sheet:
    title: str
    headers: list[str]
    rows: Iterable[Iterable]


def write_workbook(target: str | IO[bytes], sheets: list[Sheet]) -> None:
    book = Workbook()
    book.remove(book.active)
    for sheet in sheets:
        page = book.create_sheet(sheet.title[:31])  # Excel's limit on sheet names
        page.append(sheet.headers)
        for cell in page[1]:
            cell.font = Font(bold=True)
        for row in sheet.rows:
            page.append(list(row))
        for index, header in enumerate(sheet.headers, start=1):
            page.column_dimensions[get_column_letter(index)].width = max(10, min(40, len(str(header)) * 2 + 4))
        page.freeze_panes = "A2"
    book.save(target)
