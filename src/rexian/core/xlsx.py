"""Writing tables to XLSX (every table people see can be downloaded).

Text always goes in as literal text, never as a formula: a title such as
"=HYPERLINK(...)" typed by a citizen or an editor must not run when a
supervisor opens the download.
"""

from dataclasses import dataclass
from typing import IO, Iterable

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

# Excel keeps at most this many characters in a cell (openpyxl cuts the rest silently).
MAX_CELL_TEXT = 32767
# Excel turns text starting with these into a formula when someone edits the cell.
_FORMULA_START = ("=", "+", "-", "@")


@dataclass
class Sheet:
    title: str
    headers: list[str]
    rows: Iterable[Iterable]


def _clean_text(value: str) -> str:
    """The text without the control characters XML (and so XLSX) cannot hold.

    A vertical tab or form feed is how Word's line and page breaks arrive when
    pasted, so they become line breaks; the rest are dropped.
    """
    return ILLEGAL_CHARACTERS_RE.sub(lambda match: "\n" if match.group() in "\x0b\x0c" else "", value)


def fits_cell(text: str) -> bool:
    """Whether Excel keeps the whole text; it counts UTF-16 units, so a rare character outside the BMP counts twice."""
    return len(text.encode("utf-16-le")) // 2 <= MAX_CELL_TEXT


def _cell(page, value):
    if not isinstance(value, str):
        return value
    if not fits_cell(value):
        raise ValueError(f"text of {len(value)} characters does not fit an Excel cell; nothing is cut silently")
    cell = Cell(page, value=_clean_text(value))
    cell.data_type = "s"  # openpyxl would store "=…" as a formula
    if value.startswith(_FORMULA_START):
        cell.quotePrefix = True  # and keeps it text when edited in Excel
    return cell


def write_workbook(target: str | IO[bytes], sheets: list[Sheet]) -> None:
    book = Workbook()
    book.remove(book.active)
    for sheet in sheets:
        page = book.create_sheet(sheet.title[:31])  # Excel's limit on sheet names
        page.append([_cell(page, header) for header in sheet.headers])
        for cell in page[1]:
            cell.font = Font(bold=True)
        for row in sheet.rows:
            page.append([_cell(page, value) for value in row])
        for index, header in enumerate(sheet.headers, start=1):
            page.column_dimensions[get_column_letter(index)].width = max(10, min(40, len(str(header)) * 2 + 4))
        page.freeze_panes = "A2"
    book.save(target)
