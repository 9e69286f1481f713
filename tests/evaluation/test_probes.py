from datetime import datetime
from decimal import Decimal

import openpyxl
import pytest

from rexian.evaluation.monitoring.errors import InputError
from rexian.evaluation.monitoring.probes import load_probes, write_probes

HEADER = "hotline_id,province,city,round,called_at,outcome,seconds_to_human,greeting,ask_need,thanks"
GOOD_ROWS = [
    "SC001,四川,成都,1,2017-07-10 09:15,answered,12.5,1,0,",
    "SC001,四川,成都,2,2017-07-20T21:03:09,busy,,,,",
    "GD001,广东,广州,1,2017/07/11 9:05,answered,8,1,,1",
]


def write_csv(tmp_path, rows, header=HEADER, encoding="utf-8", name="probes.csv"):
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding=encoding)
    return path


def load_error(path, config) -> InputError:
    with pytest.raises(InputError) as caught:
        load_probes(path, config)
    return caught.value


def test_it_loads_a_csv(tmp_path, config):
    probes = load_probes(write_csv(tmp_path, GOOD_ROWS), config)
    assert len(probes) == 3
    first, second, third = probes
    assert (first.hotline_id, first.province, first.city, first.round) == ("SC001", "四川", "成都", 1)
    assert first.called_at == datetime(2017, 7, 10, 9, 15)
    assert first.seconds_to_human == Decimal("12.5")
    assert first.items == {"greeting": True, "ask_need": False}  # empty thanks: not applicable
    assert second.outcome == "busy" and second.seconds_to_human is None and second.items == {}
    assert second.called_at == datetime(2017, 7, 20, 21, 3, 9)
    assert third.called_at == datetime(2017, 7, 11, 9, 5)


def test_it_reads_gbk_csv_with_bom_less_chinese(tmp_path, config):
    probes = load_probes(write_csv(tmp_path, GOOD_ROWS, encoding="gb18030"), config)
    assert probes[0].province == "四川"


def test_it_loads_an_xlsx_with_native_cell_types(tmp_path, config):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    sheet.append([510100, "四川", "成都", 1, datetime(2017, 7, 10, 9, 15), "answered", 12.5, 1, 0, None])
    sheet.append([510100, "四川", "成都", 2.0, "2017-07-20 21:03", "no_answer", None, None, None, None])
    path = tmp_path / "probes.xlsx"
    workbook.save(path)
    first, second = load_probes(path, config)
    assert first.hotline_id == "510100"
    assert first.seconds_to_human == Decimal("12.5")
    assert first.items == {"greeting": True, "ask_need": False}
    assert second.round == 2


def test_checklist_cells_of_unanswered_calls_are_ignored(tmp_path, config):
    (probe,) = load_probes(write_csv(tmp_path, ["SC001,四川,成都,1,2017-07-10 09:15,busy,,0,0,0"]), config)
    assert probe.items == {}


def test_blank_rows_and_header_case_and_spaces_are_tolerated(tmp_path, config):
    header = " Hotline_ID ,Province,city,round,called_at,outcome,seconds_to_human"
    rows = ["SC001,四川,成都,1,2017-07-10 09:15,answered,3", ",,,,,,", "SC001,四川,成都,1,2017-07-10 10:15,busy,"]
    assert len(load_probes(write_csv(tmp_path, rows, header=header), config)) == 2


def test_zoned_times_are_converted_to_beijing_time(tmp_path, config):
    rows = ["SC001,四川,成都,1,2017-07-10T01:15:00+00:00,busy,"]
    assert load_probes(write_csv(tmp_path, rows), config)[0].called_at == datetime(2017, 7, 10, 9, 15)


def test_written_probes_load_back_identically(tmp_path, config):
    probes = load_probes(write_csv(tmp_path, GOOD_ROWS), config)
    for name in ("again.csv", "again.xlsx"):
        write_probes(tmp_path / name, probes, config.item_keys)
        assert load_probes(tmp_path / name, config) == probes


@pytest.mark.parametrize(
    "row, column, words",
    [
        ("SC001,四川,成都,1,2017-07-10 09:15,answerd,12,,,", "outcome", ["answerd", "answered", "busy"]),
        ("SC001,四川,成都,1,2017-07-10 09:15,answered,twelve,,,", "seconds_to_human", ["twelve"]),
        ("SC001,四川,成都,1,2017-07-10 09:15,answered,-3,,,", "seconds_to_human", ["-3"]),
        ("SC001,四川,成都,1,2017-07-10 09:15,answered,,,,", "seconds_to_human", ["必须填写"]),
        ("SC001,四川,成都,1,10.7.2017 9:15,busy,,,,", "called_at", ["10.7.2017", "2017-07-10 09:15"]),
        ("SC001,四川,成都,1,2017-02-30 09:15,busy,,,,", "called_at", ["2017-02-30"]),
        ("SC001,四川,成都,5,2017-07-10 09:15,busy,,,,", "round", ["轮次 5", "campaign.rounds"]),
        ("SC001,四川,成都,first,2017-07-10 09:15,busy,,,,", "round", ["first"]),
        ("SC001,四川,成都,1,2017-07-10 09:15,answered,3,yes,,", "greeting", ["yes", "留空表示不适用"]),
        (",四川,成都,1,2017-07-10 09:15,busy,,,,", "hotline_id", ["不能为空"]),
        ("SC001,四川,绵阳,1,2017-07-10 10:15,busy,,,,", "city", ["第 2 行", "成都", "绵阳"]),
    ],
)
def test_bad_cells_are_reported_with_file_row_and_column(tmp_path, config, row, column, words):
    path = write_csv(tmp_path, ["SC001,四川,成都,1,2017-07-10 08:15,busy,,,,", row])
    error = load_error(path, config)
    assert (error.row, error.column) == (3, column)
    message = str(error)
    assert str(path) in message and "第 3 行" in message and f"列 {column}" in message
    for word in words:
        assert word in message


def test_a_missing_column_is_named(tmp_path, config):
    header = "hotline_id,province,round,called_at,outcome,seconds_to_human"
    error = load_error(write_csv(tmp_path, ["SC001,四川,1,2017-07-10 09:15,busy,"], header=header), config)
    assert error.row == 1
    assert "缺少必需的列 city" in str(error)


def test_an_unknown_column_gets_a_suggestion(tmp_path, config):
    header = "hotline_id,province,city,round,called_at,outcome,seconds_to_human,greting"
    error = load_error(write_csv(tmp_path, ["SC001,四川,成都,1,2017-07-10 09:15,busy,,"], header=header), config)
    assert "未知的列 greting" in str(error) and "是否应为 greeting" in str(error)


def test_a_duplicate_column_is_refused(tmp_path, config):
    error = load_error(write_csv(tmp_path, [], header=HEADER + ",thanks"), config)
    assert "thanks 出现了两次" in str(error)


@pytest.mark.parametrize(
    "name, content, words",
    [
        ("probes.xls", b"\xd0\xcf\x11\xe0", [".xls", "另存为 .xlsx"]),
        ("probes.txt", b"x", [".txt"]),
        ("probes.xlsx", b"not a zip", ["不是有效的 .xlsx"]),
        ("probes.csv", b"", ["文件是空的"]),
        ("probes.csv", HEADER.encode() + b"\n", ["没有测试电话记录"]),
    ],
)
def test_unusable_files_are_refused_clearly(tmp_path, config, name, content, words):
    path = tmp_path / name
    path.write_bytes(content)
    message = str(load_error(path, config))
    assert str(path) in message
    for word in words:
        assert word in message


def test_a_missing_file_is_named(tmp_path, config):
    message = str(load_error(tmp_path / "nowhere.csv", config))
    assert "nowhere.csv" in message and "找不到文件" in message
