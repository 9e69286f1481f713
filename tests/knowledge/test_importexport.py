"""Knowledge import and export: what export writes comes back, and bad input is refused row by row."""

import io
import json

import pytest
from openpyxl import Workbook, load_workbook

from rexian.core.xlsx import MAX_CELL_TEXT
from rexian.knowledge import importexport
from rexian.knowledge.models import Article


def xlsx_round_trip():
    stream = io.BytesIO()
    importexport.export_xlsx(Article.objects.all(), stream)
    stream.seek(0)
    return stream


def a_sheet(headers, *rows):
    book = Workbook()
    book.active.append(headers)
    for row in rows:
        book.active.append(row)
    stream = io.BytesIO()
    book.save(stream)
    stream.seek(0)
    return stream


def json_rows(*items):
    return importexport.read_json(json.dumps(list(items), ensure_ascii=False).encode())


def rejected(rows, user, place=importexport.json_place):
    with pytest.raises(importexport.ImportRejected) as error:
        importexport.import_rows(rows, user, place)
    assert Article.objects.count() == 0
    return error.value.problems


# ---------------------------------------------------------------- export


def test_it_exports_formula_like_text_as_text_and_imports_it_back(users, publish):
    publish('=HYPERLINK("http://evil","点此")', "=1+1 开头的正文")
    stream = xlsx_round_trip()
    sheet = load_workbook(stream).worksheets[0]
    assert (sheet["B2"].data_type, sheet["C2"].data_type) == ("s", "s")
    stream.seek(0)
    (copy,) = importexport.import_rows(importexport.read_xlsx(stream), users["supervisor"]).created
    assert (copy.title, copy.body) == ('=HYPERLINK("http://evil","点此")', "=1+1 开头的正文")


def test_it_exports_a_body_pasted_with_word_line_breaks(users, publish):
    publish("停电", "停电\x0b请联系供电公司")
    rows = importexport.read_xlsx(xlsx_round_trip())
    assert rows[0]["正文"] == "停电\n请联系供电公司"


def test_it_refuses_xlsx_for_a_body_excel_would_cut_and_points_to_json(users, publish):
    publish("长政策", "条" * (MAX_CELL_TEXT + 1))
    with pytest.raises(importexport.ExportRefused) as refused:
        importexport.export_xlsx(Article.objects.all(), io.BytesIO())
    assert "“长政策”" in refused.value.message and "导出 JSON" in refused.value.message
    (row,) = json.loads(importexport.export_json(Article.objects.all()))
    assert len(row["body"]) == MAX_CELL_TEXT + 1


def test_an_xlsx_export_imports_back_unchanged(users, city, publish):
    publish("低保申请", "向街道提出申请。", tags="低保,救助", categories=[city["category"].code], department="ZJJ",
            effective_from="2024-01-01", visibility="public")
    (copy,) = importexport.import_rows(importexport.read_xlsx(xlsx_round_trip()), users["supervisor"]).created
    assert (copy.tags, copy.department.code, copy.visibility, str(copy.effective_from)) == ("低保,救助", "ZJJ", "public", "2024-01-01")
    assert list(copy.categories.values_list("code", flat=True)) == [city["category"].code]


# ---------------------------------------------------------------- field types


def test_it_takes_tags_as_a_list_or_separated_by_commas_or_enumeration_commas(users):
    rows = json_rows({"kind": "qa", "title": "一", "body": "正文", "tags": ["低保", "救助"]},
                     {"kind": "qa", "title": "二", "body": "正文", "tags": "低保、救助"})
    first, second = importexport.import_rows(rows, users["supervisor"], importexport.json_place).created
    assert first.tags == second.tags == "低保,救助"
    assert first.tag_list == ["低保", "救助"]


def test_it_takes_category_codes_given_as_numbers(users, city):
    from rexian.directory.models import Category

    Category.objects.create(code="7", name="其他")
    rows = json_rows({"kind": "qa", "title": "t", "body": "b", "categories": [7]})
    (article,) = importexport.import_rows(rows, users["supervisor"], importexport.json_place).created
    assert list(article.categories.values_list("code", flat=True)) == ["7"]


def test_it_refuses_a_list_or_object_where_text_belongs_naming_the_item(users):
    rows = json_rows({"kind": "qa", "title": "好的", "body": "正文"},
                     {"kind": "qa", "title": {"zh": "标题"}, "body": ["a", "b"]})
    problems = rejected(rows, users["supervisor"])
    assert any(problem.startswith("第 2 条 标题：应为文字") for problem in problems)
    assert any(problem.startswith("第 2 条 正文：应为文字") for problem in problems)


def test_a_category_that_is_not_a_code_is_a_row_problem_not_a_crash(users, city):
    rows = json_rows({"kind": "qa", "title": "t", "body": "b", "categories": [1]},
                     {"kind": "qa", "title": "t", "body": "b", "categories": [{"code": "01"}]})
    first, second = rejected(rows, users["supervisor"])
    assert first.startswith("第 1 条 适用分类编码：")  # no category 1: the form says so
    assert second == '第 2 条 适用分类编码：应为文字，不能是 {"code": "01"}'


def test_it_reports_unknown_keys_instead_of_dropping_them(users, city):
    rows = json_rows({"类型": "问答", "标题": "t", "正文": "b", "责任单位": "ZJJ"})
    (problem,) = rejected(rows, users["supervisor"])
    assert problem.startswith("第 1 条：“责任单位”不是可导入的列") and "责任单位编码" in problem


def test_the_same_field_twice_is_reported(users):
    (problem,) = rejected(json_rows({"kind": "qa", "title": "t", "标题": "t2", "body": "b"}), users["supervisor"])
    assert "“标题”与另一列都是标题" in problem


# ---------------------------------------------------------------- spreadsheets


def test_it_refuses_a_sheet_with_an_unknown_header(users):
    with pytest.raises(importexport.ImportRejected) as error:
        importexport.read_xlsx(a_sheet(["标题", "正文", "责任单位"], ["t", "b", "ZJJ"]))
    (problem,) = error.value.problems
    assert problem.startswith("表头“责任单位”不是可导入的列")


def test_row_numbers_match_the_spreadsheet_even_after_blank_rows(users):
    rows = importexport.read_xlsx(a_sheet(["类型", "标题", "正文"], ["问答", "好", "正文"], [None, None, None], ["问答", "", "没有标题"]))
    problems = rejected(rows, users["supervisor"], importexport.xlsx_place)
    assert [problem.split("：")[0] for problem in problems] == ["第 4 行 标题"]


def test_a_filled_column_without_a_header_is_reported(users):
    rows = importexport.read_xlsx(a_sheet(["类型", "标题", "正文", None], ["问答", "t", "b", "忘了表头"]))
    (problem,) = rejected(rows, users["supervisor"], importexport.xlsx_place)
    assert problem.startswith("第 2 行：“D 列（没有表头）”不是可导入的列")
