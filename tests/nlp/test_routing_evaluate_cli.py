import argparse
import csv
import json

import pytest

from rexian.nlp import routing_cli


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="rexian")
    routing_cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def write_csv(path, rows, header=("id", "title", "detail", "label")):
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def split_csvs(tmp_path, make_corpus):
    texts, labels = make_corpus(per_label=16, seed=1)
    rows = [(index, text, f"详细情况：{text}，请尽快处理。", label) for index, (text, label) in enumerate(zip(texts, labels))]
    train = write_csv(tmp_path / "train.csv", [row for row in rows if row[0] % 4])
    test = write_csv(tmp_path / "test.csv", [row for row in rows if row[0] % 4 == 0])
    return train, test


@pytest.mark.parametrize("text_field", ["title", "full"])
def test_evaluate_prints_scores_as_json(split_csvs, text_field, capsys):
    train, test = split_csvs
    assert run("routing", "evaluate", "--train", str(train), "--test", str(test), "--text-field", text_field, "--format", "json") == 0
    report = json.loads(capsys.readouterr().out)
    for key in ("macro_f1", "accuracy", "top3_accuracy", "brier_score", "ece"):
        assert 0.0 <= report[key] <= 1.0, key
    assert report["macro_f1"] > 0.8
    assert report["ms_per_message"] > 0
    assert report["train_size"] == 36 and report["test_size"] == 12
    assert report["text_field"] == text_field
    assert report["detail_for_titles"] is (text_field == "title")


def test_evaluate_text_format_is_one_line_per_score(split_csvs, capsys):
    train, test = split_csvs
    assert run("routing", "evaluate", "--train", str(train), "--test", str(test), "--no-detail-training", "--text-field", "title") == 0
    lines = dict(line.split(maxsplit=1) for line in capsys.readouterr().out.splitlines())
    assert float(lines["accuracy"]) <= 1.0
    assert lines["detail_for_titles"] == "False"


def test_missing_column_is_named(split_csvs, tmp_path, capsys):
    train, _ = split_csvs
    bad = write_csv(tmp_path / "bad.csv", [(1, "公交车晚点", "交通运输")], header=("id", "title", "label"))
    assert run("routing", "evaluate", "--train", str(train), "--test", str(bad)) == 2
    assert "missing column(s) detail" in capsys.readouterr().err


def test_empty_file_is_refused(split_csvs, tmp_path, capsys):
    _, test = split_csvs
    empty = write_csv(tmp_path / "empty.csv", [])
    assert run("routing", "evaluate", "--train", str(empty), "--test", str(test)) == 2
    assert "no data rows" in capsys.readouterr().err


def test_single_label_is_refused(split_csvs, tmp_path, capsys):
    _, test = split_csvs
    single = write_csv(tmp_path / "single.csv", [(i, "公交车晚点", "", "交通运输") for i in range(5)])
    assert run("routing", "evaluate", "--train", str(single), "--test", str(test)) == 2
    assert "only one label" in capsys.readouterr().err


def test_missing_file_and_non_utf8_are_refused(split_csvs, tmp_path, capsys):
    _, test = split_csvs
    assert run("routing", "evaluate", "--train", str(tmp_path / "nope.csv"), "--test", str(test)) == 2
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("id,title,detail,label\n1,公交车晚点,,交通运输\n".encode("gbk"))
    assert run("routing", "evaluate", "--train", str(gbk), "--test", str(test)) == 2
    errors = capsys.readouterr().err
    assert "no such file" in errors and "not UTF-8" in errors


def test_routing_without_a_command_is_a_usage_error():
    with pytest.raises(SystemExit) as exit_info:
        run("routing")
    assert exit_info.value.code == 2
