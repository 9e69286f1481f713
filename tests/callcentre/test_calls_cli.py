import argparse
import json

import pytest
from calldata import CSV_HEADER, csv_row, local, twelve_csv, twelve_queue_log

from rexian.callcentre.cli import register
from rexian.callcentre.models import CallImport, CallRecord


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="rexian")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def test_it_imports_a_file_and_says_what_it_added(db, write, users, capsys):
    path = write("calls.csv", twelve_csv())

    assert run("calls", "import", str(path), "--source", "pbx1", "--user", "sue") == 0
    assert run("calls", "import", str(path), "--source", "pbx1") == 0

    out = capsys.readouterr().out
    assert "新增 12 通" in out and "内容相同" in out
    assert CallImport.objects.filter(source="pbx1").count() == 2
    assert CallImport.objects.order_by("id").first().imported_by == users["supervisor"]


def test_it_reports_bad_rows_on_stderr_with_exit_code_2(db, write, capsys):
    text = CSV_HEADER + csv_row("ok", local("10:00:00"), "answered", 5, 10) + "bad,12345,,main,yesterday,,,,\n"
    path = write("bad.csv", text)

    assert run("calls", "import", str(path)) == 2
    captured = capsys.readouterr()
    assert "整份拒绝" in captured.out and "第 3 行：offered_at 不是 ISO 8601 时间" in captured.err
    assert CallRecord.objects.count() == 0

    assert run("calls", "import", str(path), "--partial") == 2
    assert CallRecord.objects.count() == 1


def test_it_refuses_a_missing_file(db, tmp_path, capsys):
    assert run("calls", "import", str(tmp_path / "nope.csv")) == 2
    assert "文件不存在" in capsys.readouterr().err


def test_it_imports_queue_log_with_a_default_number(db, write):
    assert run("calls", "import", str(write("queue_log", twelve_queue_log())), "--format", "queue_log") == 0
    assert CallRecord.objects.count() == 12


def test_it_prints_the_figures_as_a_table(db, write, capsys):
    run("calls", "import", str(write("calls.csv", twelve_csv())))
    capsys.readouterr()

    assert run("calls", "figures", "--from", "2025-03-03", "--to", "2025-03-03", "--by", "hour") == 0

    out = capsys.readouterr().out
    assert "15秒服务水平" in out
    assert "2025-03-03 08:00" in out and "合计" in out
    assert "58.33%" in out and "71.42%" in out and "12.15s" in out and "111.43s" in out
    assert "24小时人工接通率：58.33%（要求 ≥ 95.00%）未达标" in out


def test_it_prints_the_figures_as_json(db, write, capsys):
    run("calls", "import", str(write("calls.csv", twelve_csv())))
    capsys.readouterr()

    code = run(
        "calls", "figures", "--from", "2025-03-03", "--to", "2025-03-03", "--format", "json",
        "--threshold", "20", "--short-abandon", "5", "--split", "queue",
    )  # fmt: skip

    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert data["threshold_seconds"] == 20 and data["short_abandon_seconds"] == 5
    assert data["total"]["connection_rate"]["fraction"] == "7/11"
    assert {row["queue"] for row in data["rows"]} == {"main", "english"}


@pytest.mark.parametrize(
    "argv, message",
    [
        (("--from", "2025-03-04", "--to", "2025-03-03"), "不能早于"),
        (("--from", "2025-03-03", "--to", "2025-03-03", "--threshold", "75"), "可选 0–60"),
        (("--from", "2025-03-03", "--to", "2025-03-03", "--short-abandon", "90"), "0–60"),
    ],
)
def test_it_explains_bad_figure_requests(db, capsys, argv, message):
    assert run("calls", "figures", *argv) == 2
    assert message in capsys.readouterr().err


def test_it_rejects_a_bad_date_like_argparse_does(db, capsys):
    with pytest.raises(SystemExit) as exit_info:
        run("calls", "figures", "--from", "March", "--to", "2025-03-03")
    assert exit_info.value.code == 2


def test_it_prints_the_staffing_table(db, write, capsys):
    from datetime import timedelta

    text = CSV_HEADER + "".join(
        csv_row(f"s{n}", local("10:00:00", "2025-03-24") + timedelta(seconds=10 * n), "answered", 5, 180)
        for n in range(100)
    )
    run("calls", "import", str(write("monday.csv", text)))
    capsys.readouterr()

    assert run("calls", "staffing", "--date", "2025-03-31") == 0
    out = capsys.readouterr().out
    assert "Erlang C" in out and "10:00" in out and "2025-03-24" in out

    assert run("calls", "staffing", "--date", "2025-03-31", "--patience", "60", "--format", "json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["model"] == "erlang_a" and data["rows"][20]["calls"] == 100.0

    assert run("calls", "staffing", "--date", "2025-01-06") == 2
    assert "没有话务记录" in capsys.readouterr().err
    assert run("calls", "staffing", "--date", "2025-03-31", "--target", "95") == 2
