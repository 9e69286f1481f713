"""``rexian campaign …`` end to end against SIPp, and the admin's password masking."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from rexian import cli
from rexian.telephony.models import Campaign

pytestmark = pytest.mark.django_db
MODULE = "rexian.telephony.campaign_cli"


@pytest.fixture(autouse=True)
def _campaign_commands(monkeypatch):
    """Register the command even before rexian.cli lists it."""
    if MODULE not in cli.COMMAND_MODULES:
        monkeypatch.setattr(cli, "COMMAND_MODULES", [*cli.COMMAND_MODULES, MODULE])


def run(*argv) -> int:
    return cli.main(list(argv))


def hotlines_csv(tmp_path, rows, name="lines.csv") -> str:
    path = tmp_path / name
    path.write_text("hotline_id,province,city,sip_uri\n" + "".join(f"{','.join(r)}\n" for r in rows), encoding="utf-8-sig")
    return str(path)


def past_window() -> str:
    now = timezone.localtime()
    start, end = now - timedelta(minutes=30), now - timedelta(minutes=1)
    return f"1={start:%Y-%m-%dT%H:%M:%S}/{end:%Y-%m-%dT%H:%M:%S}"


def test_create_plan_start_run_status_export_evaluate(hotline, tmp_path, capsys, monkeypatch):
    lines = hotlines_csv(tmp_path, [
        ("HZ", "浙江省", "杭州", "sip:answer100@hotline.test"),
        ("NJ", "江苏省", "南京", "sip:busy@hotline.test"),
    ])
    monkeypatch.setenv("REXIAN_SIP_PASSWORD", "trunk-pw-123")
    assert run(
        "campaign", "create", "--name", "cli", "--hotlines", lines, "--rounds", "1", "--calls", "2",
        "--round-window", past_window(), "--proxy", f"127.0.0.1:{hotline.port}", "--allow-domain", "hotline.test",
        "--ring-timeout", "0.8", "--hold", "0.1", "--min-spacing", "1", "--max-per-minute", "600",
        "--auth-user", "probe",
    ) == 0
    campaign = Campaign.objects.get(name="cli")
    assert (campaign.password, campaign.status, campaign.hotlines.count()) == ("trunk-pw-123", "draft", 2)
    assert run("campaign", "plan", "cli", "--seed", "5", "--include-past") == 0
    assert run("campaign", "plan", "cli") == 2  # already planned
    assert run("campaign", "run", "cli", "--once") == 2  # a draft places nothing
    assert run("campaign", "start", "cli") == 0
    capsys.readouterr()
    assert run("campaign", "run", "cli") == 0  # until nothing is left: 2 ticks, calls 1 s apart per line
    out = capsys.readouterr().out
    assert "共拨打 4 次" in out and "已结束任务 cli" in out
    assert run("campaign", "status", "cli") == 0
    status = capsys.readouterr().out
    assert "已结束" in status and "answered 2" in status and "busy 2" in status
    assert "trunk-pw-123" not in out + status and "密码 已设置" in status
    assert run("campaign", "status") == 0 and "cli" in capsys.readouterr().out

    csv_path = tmp_path / "probes.csv"
    assert run("campaign", "export", "cli", "--out", str(csv_path)) == 0
    assert run("evaluate", str(csv_path), "--out", str(tmp_path / "report")) == 0
    report = json.loads((tmp_path / "report" / "report.json").read_text(encoding="utf-8"))
    assert {h["hotline_id"]: h["connection_rate"] for h in report["hotlines"]} == {"HZ": 1.0, "NJ": 0.0}


def test_clear_errors_exit_2(hotline, tmp_path, capsys):
    good = hotlines_csv(tmp_path, [("HZ", "浙江省", "杭州", f"sip:busy@127.0.0.1:{hotline.port}")])
    base = ["campaign", "create", "--hotlines", good, "--proxy", f"127.0.0.1:{hotline.port}"]
    assert run(*base, "--name", "w", "--window", "18:00-09:00", "--start", "2030-01-01") == 2
    assert "结束须晚于开始" in capsys.readouterr().err
    assert run(*base, "--name", "w", "--window", "09:00-17:00") == 2
    assert "开始日期" in capsys.readouterr().err
    assert run(*base, "--name", "w", "--round-window", "2030-01-01T09:00/2030-01-01T10:00") == 2
    assert "R=开始/结束" in capsys.readouterr().err
    outside = hotlines_csv(tmp_path, [("X", "浙江省", "杭州", "sip:12345@elsewhere.example.com")], "outside.csv")
    assert run(*base[:3], outside, *base[4:], "--name", "x", "--window", "09:00-17:00", "--start", "2030-01-01") == 2
    assert "不在允许的被叫域内" in capsys.readouterr().err
    missing = str(tmp_path / "nope.csv")
    assert run(*base[:3], missing, *base[4:], "--name", "x", "--window", "09:00-17:00", "--start", "2030-01-01") == 2
    assert "无法读取" in capsys.readouterr().err
    assert not Campaign.objects.exists()
    assert run(*base, "--name", "ok", "--window", "09:00-17:00", "--start", "2030-01-01") == 0
    assert run(*base, "--name", "ok", "--window", "09:00-17:00", "--start", "2030-01-01") == 2  # duplicate name
    for argv in (("plan", "nosuch"), ("pause", "ok"), ("resume", "ok"), ("status", "nosuch"), ("export", "ok", "--out", "x.txt")):
        capsys.readouterr()
        assert run("campaign", *argv) == 2, argv
        assert capsys.readouterr().err.startswith("错误：")


def test_admin_never_shows_the_trunk_password(client, users, hotline, tmp_path):
    lines = hotlines_csv(tmp_path, [("HZ", "浙江省", "杭州", f"sip:busy@127.0.0.1:{hotline.port}")])
    assert run("campaign", "create", "--name", "adm", "--hotlines", lines, "--proxy", f"127.0.0.1:{hotline.port}",
               "--window", "09:00-17:00", "--start", "2030-01-01", "--auth-user", "probe", "--password", "pw-in-db-42") == 0
    campaign = Campaign.objects.get(name="adm")
    client.force_login(users["admin"])
    listing = client.get("/admin/telephony/campaign/")
    page = client.get(f"/admin/telephony/campaign/{campaign.pk}/change/")
    assert listing.status_code == page.status_code == 200
    assert "pw-in-db-42" not in listing.content.decode() + page.content.decode()
    assert "••••••" in listing.content.decode()
    # Saving the form with the password left blank keeps it; a new one replaces it.
    form = page.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(daily_windows=json.dumps(campaign.daily_windows), round_windows="[]", allowed_domains="[]",
                start_date="2030-01-01", password="", _save="1")
    response = client.post(f"/admin/telephony/campaign/{campaign.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    campaign.refresh_from_db()
    assert campaign.password == "pw-in-db-42"
    data["password"] = "new-pw-43"
    assert client.post(f"/admin/telephony/campaign/{campaign.pk}/change/", data).status_code == 302
    campaign.refresh_from_db()
    assert campaign.password == "new-pw-43"
