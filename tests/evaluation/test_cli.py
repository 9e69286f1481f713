import argparse
import json

import pytest

from rexian.evaluation import evaluate_cli


def run(*argv) -> int:
    parser = argparse.ArgumentParser(prog="rexian")
    evaluate_cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


@pytest.fixture(scope="module")
def campaign(tmp_path_factory):
    """This campaign as CSV and the previous one as XLSX, generated once for the module."""
    folder = tmp_path_factory.mktemp("campaign")
    current, previous = folder / "probes.csv", folder / "previous.xlsx"
    argv = ["evaluate-generate", "--hotlines", "40", "--seed", "5", "--out", str(current)]
    assert run(*argv, "--previous-out", str(previous)) == 0
    return current, previous


def test_generate_then_evaluate_writes_three_reports(campaign, tmp_path, capsys):
    current, previous = campaign
    out = tmp_path / "out" / "nested"
    assert run("evaluate", str(current), "--previous", str(previous), "--out", str(out)) == 0
    assert sorted(path.name for path in out.iterdir()) == ["report.html", "report.json", "report.xlsx"]
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["campaign"]["hotlines"] == 40 and report["campaign"]["calls"] == 1600
    assert all(line["previous_rank_overall"] for line in report["hotlines"])
    assert "已评估 40 条热线" in capsys.readouterr().out


def test_generator_is_deterministic_per_seed(tmp_path):
    for name, seed in (("a.csv", "7"), ("b.csv", "7"), ("c.csv", "8")):
        assert run("evaluate-generate", "--hotlines", "12", "--seed", seed, "--out", str(tmp_path / name)) == 0
    a, b, c = ((tmp_path / name).read_bytes() for name in ("a.csv", "b.csv", "c.csv"))
    assert a == b and a != c


def test_a_custom_config_is_used(campaign, tmp_path):
    config = tmp_path / "mine.toml"
    config.write_text("[lists]\ntop = 5\n", encoding="utf-8")
    assert run("evaluate", str(campaign[0]), "--config", str(config), "--out", str(tmp_path / "out")) == 0
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert len(report["lists"]["overall"]) <= 5 + 4  # ties at the edge may add a few
    assert report["campaign"]["config_file"] == str(config)


def test_bad_probe_file_exits_2_with_a_message_not_a_traceback(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "hotline_id,province,city,round,called_at,outcome,seconds_to_human\n"
        "SC001,四川,成都,1,2017-07-10 09:15,ringing,\n",
        encoding="utf-8",
    )
    assert run("evaluate", str(bad), "--out", str(tmp_path / "out")) == 2
    error = capsys.readouterr().err
    assert error.startswith("错误：") and "bad.csv" in error and "第 2 行" in error and "列 outcome" in error
    assert "Traceback" not in error
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "extra, words",
    [
        (["--config", "missing.toml"], ["missing.toml", "找不到配置文件"]),
        (["--previous", "missing.csv"], ["missing.csv", "找不到文件"]),
    ],
)
def test_missing_inputs_exit_2(campaign, tmp_path, capsys, extra, words):
    assert run("evaluate", str(campaign[0]), *extra, "--out", str(tmp_path / "out")) == 2
    error = capsys.readouterr().err
    for word in words:
        assert word in error


def test_bad_config_value_exits_2(campaign, tmp_path, capsys):
    config = tmp_path / "bad.toml"
    config.write_text("[weights]\nservice = -1\n", encoding="utf-8")
    assert run("evaluate", str(campaign[0]), "--config", str(config), "--out", str(tmp_path / "out")) == 2
    assert "配置项 weights.service" in capsys.readouterr().err


def test_unwritable_output_exits_1(campaign, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert run("evaluate", str(campaign[0]), "--out", str(blocker / "out")) == 1
    assert "无法写入输出目录" in capsys.readouterr().err


def test_generator_refuses_bad_arguments(tmp_path, capsys):
    assert run("evaluate-generate", "--out", str(tmp_path / "p.json")) == 2
    assert ".csv 或 .xlsx" in capsys.readouterr().err
    backwards = ["--start", "2017-08-01", "--end", "2017-07-01"]
    assert run("evaluate-generate", *backwards, "--out", str(tmp_path / "p.csv")) == 2
    with pytest.raises(SystemExit) as caught:
        run("evaluate-generate", "--hotlines", "0", "--out", str(tmp_path / "p.csv"))
    assert caught.value.code == 2
    assert "正整数" in capsys.readouterr().err


def test_generator_reminds_to_configure_other_round_counts(tmp_path, capsys):
    assert run("evaluate-generate", "--hotlines", "3", "--rounds", "5", "--out", str(tmp_path / "p.csv")) == 0
    assert "rounds = 5" in capsys.readouterr().out
