"""``rexian probe call``: the handler through argparse, and the real command in a subprocess."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import pytest

from rexian.telephony import probe_cli


def run_handler(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="rexian")
    probe_cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["probe", "call", *argv])
    return args.func(args)


def test_json_output_of_an_answered_call(hotline, capsys, tmp_path):
    wav = tmp_path / "call.wav"
    code = run_handler(hotline.uri("answer"), "--hold", "0.3", "--capture", str(wav), "--json")
    result = json.loads(capsys.readouterr().out)
    assert code == 0
    assert result["outcome"] == "answered" and result["final_status"] == 200
    assert 0 <= result["seconds_to_answer"] < 0.5 and result["rtp_packets_in"] > 0
    assert result["capture_file"] == str(wav) and wav.stat().st_size > 44


def test_not_answered_exits_1_with_null_answer_time(hotline, capsys):
    code = run_handler(hotline.uri("noanswer"), "--ring-timeout", "0.5", "--json")
    result = json.loads(capsys.readouterr().out)
    assert (code, result["outcome"], result["seconds_to_answer"]) == (1, "no_answer", None)


def test_summary_output_and_password_from_environment(hotline, capsys, monkeypatch):
    monkeypatch.setenv(probe_cli.PASSWORD_ENV, "secret")
    code = run_handler(hotline.uri("auth"), "--auth-user", "probe", "--hold", "0")
    out = capsys.readouterr().out
    assert code == 0 and out.startswith("answered: 200 OK\n") and "seconds_to_answer: " in out


@pytest.mark.parametrize("bad", [["--ring-timeout", "0"], ["--hold", "99999"], ["--proxy", "a b"]])
def test_invalid_arguments_exit_2_without_dialling(capsys, bad):
    assert run_handler("sip:12345@127.0.0.1:9", *bad) == 2
    assert capsys.readouterr().err.startswith("rexian probe call: ")


def test_cli_module_keeps_django_out():
    code = "import sys, rexian.telephony.probe_cli; sys.exit('django' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], timeout=30).returncode == 0


def test_rexian_probe_call_command(hotline):
    completed = subprocess.run(
        [sys.executable, "-m", "rexian", "probe", "call", hotline.uri("busy"), "--json"],
        capture_output=True, text=True, timeout=60,
    )
    assert completed.returncode == 1, completed.stderr
    result = json.loads(completed.stdout)
    assert (result["outcome"], result["final_status"], result["seconds_to_answer"]) == ("busy", 486, None)
