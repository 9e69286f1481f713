"""XLSX downloads: text stays text, and nothing crashes or is cut on the way out."""

import io

import pytest
from openpyxl import load_workbook

from rexian.core.xlsx import MAX_CELL_TEXT, Sheet, write_workbook


def written(rows, headers=("A", "B")):
    stream = io.BytesIO()
    write_workbook(stream, [Sheet("表", list(headers), rows)])
    stream.seek(0)
    return load_workbook(stream).worksheets[0]


def test_it_writes_text_that_looks_like_a_formula_as_literal_text():
    sheet = written([['=HYPERLINK("http://evil","点此")', "+1"], ["-2", "@SUM(A1)"]])
    cells = [sheet["A2"], sheet["B2"], sheet["A3"], sheet["B3"]]
    assert [cell.data_type for cell in cells] == ["s"] * 4
    assert sheet["A2"].value == '=HYPERLINK("http://evil","点此")'
    assert all(cell.quotePrefix for cell in cells)  # Excel keeps them text when edited


def test_it_leaves_numbers_and_plain_text_alone():
    sheet = written([["公积金", 12], [None, 3.5]])
    assert (sheet["A2"].value, sheet["A2"].data_type, sheet["A2"].quotePrefix) == ("公积金", "s", False)
    assert (sheet["B2"].value, sheet["B2"].data_type) == (12, "n")
    assert sheet["B3"].value == 3.5


def test_it_replaces_control_characters_excel_cannot_hold():
    sheet = written([["停电\x0b请联系\x01供电公司", "ok"]])
    assert sheet["A2"].value == "停电\n请联系供电公司"


def test_it_refuses_text_longer_than_a_cell_instead_of_cutting_it():
    with pytest.raises(ValueError):
        written([["长" * (MAX_CELL_TEXT + 1), ""]])
    assert written([["长" * MAX_CELL_TEXT, ""]])["A2"].value == "长" * MAX_CELL_TEXT


def test_it_counts_characters_outside_the_bmp_twice_as_excel_does():
    with pytest.raises(ValueError):
        written([["𠀀" * (MAX_CELL_TEXT // 2 + 1), ""]])
