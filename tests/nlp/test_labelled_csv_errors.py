"""`rexian routing evaluate` with an unusable file: one line on stderr, exit status 2, no traceback."""

import csv

import pytest

from rexian.cli import main


def write_csv(path, rows):
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(("id", "title", "detail", "label"))
        writer.writerows(rows)
    return path


@pytest.fixture
def good_csv(tmp_path):
    rows = [(n, f"公交车晚点{n}", "", "交通") for n in range(4)] + [(n + 4, f"河道污染{n}", "", "环保") for n in range(4)]
    return write_csv(tmp_path / "good.csv", rows)


def _one_error_line(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_it_explains_a_directory_given_as_the_training_file(tmp_path, good_csv, capsys):
    assert main(["routing", "evaluate", "--train", str(tmp_path), "--test", str(good_csv)]) == 2
    line = _one_error_line(capsys)
    assert str(tmp_path) in line and "is a directory" in line and "CSV file inside it" in line


def test_it_explains_a_field_too_long_to_read(tmp_path, good_csv, capsys):
    huge = write_csv(tmp_path / "huge.csv", [(0, "标题", "", "交通"), (1, "标题", "长" * (csv.field_size_limit() + 1), "交通")])
    assert main(["routing", "evaluate", "--train", str(good_csv), "--test", str(huge)]) == 2
    line = _one_error_line(capsys)
    assert "huge.csv" in line and "starting on line 3" in line and "field larger than field limit" in line
    assert "quoting" in line and "shorten" in line


def test_it_explains_a_path_that_cannot_be_opened(good_csv, capsys):
    inside_a_file = good_csv / "test.csv"  # NotADirectoryError: an OSError other than "no such file"
    assert main(["routing", "evaluate", "--train", str(good_csv), "--test", str(inside_a_file)]) == 2
    line = _one_error_line(capsys)
    assert "good.csv/test.csv" in line and "cannot be read" in line and "check the path" in line
