"""Campaigns placing real calls: SIPp as the hotlines (and Kamailio as the trunk) on 127.0.0.1.

Windows lie in the past so every planned call is due at once; the worker
still spaces calls to one hotline (1 s here) and paces starts, so these
tests also show the limits holding.  Ring timeouts of 0.5 s and holds of
0.2 s keep them quick.
"""

from __future__ import annotations

import json
import socket
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from rexian import cli
from rexian.evaluation.monitoring.config import BASE_COLUMNS
from rexian.telephony.campaigns import HotlineRow, change_status, create_campaign, plan
from rexian.telephony.export import export_csv
from rexian.telephony.models import CallStatus, Campaign, CampaignHotline, ProbeCall
from rexian.telephony import scheduler
from rexian.telephony.scheduler import run_due_calls, tick
from rexian.telephony.sip.testpeer import LOOPBACK

pytestmark = pytest.mark.django_db
OPEN = (CallStatus.SCHEDULED, CallStatus.CLAIMED)


def past_rounds(rounds: int) -> list[list[list[str]]]:
    """Round r's window: a 15-minute slot that ended (rounds − r)·20 + 1 minutes ago."""
    now = timezone.now()
    windows = []
    for number in range(1, rounds + 1):
        end = now - timedelta(minutes=(rounds - number) * 20 + 1)
        windows.append([[(end - timedelta(minutes=15)).isoformat(), end.isoformat()]])
    return windows


def campaign_for(peer_proxy: str, lines: dict[str, str], *, name="camp", rounds=1, calls=1, start=True, **overrides) -> Campaign:
    """lines: hotline_id → SIP URI.  Planned (seed 1) and started unless start=False."""
    settings = {
        "rounds": rounds, "calls_per_round": calls, "round_windows": past_rounds(rounds),
        "min_spacing_seconds": 1, "ring_timeout": 0.5, "hold": 0.2, "concurrency": 3,
        "max_calls_per_minute": 600, "proxy": peer_proxy,
    }
    settings.update(overrides)
    rows = [HotlineRow(hid, "浙江省", f"{hid}市", uri) for hid, uri in lines.items()]
    campaign = create_campaign(rows, name=name, **settings)
    plan(campaign, seed=1)
    if start:
        change_status(campaign, "start")
    return campaign


def drain(campaign: Campaign, ticks: int = 80, on_tick=None) -> list:
    """Tick until nothing is left to place (bounded), as the worker would."""
    results = []
    for _ in range(ticks):
        result = run_due_calls(campaign=campaign)
        results.append(result)
        if on_tick:
            on_tick(result)
        if not campaign.calls.filter(status__in=OPEN).exists():
            break
        if not result.claimed:
            time.sleep(0.15)
    return results


def proxy(peer) -> str:
    return f"{LOOPBACK}:{peer.port}"


def max_overlap(calls) -> int:
    events = sorted([(c.started_at, 1) for c in calls] + [(c.finished_at, -1) for c in calls], key=lambda e: (e[0], e[1]))
    level = peak = 0
    for _, step in events:
        level += step
        peak = max(peak, level)
    return peak


def test_campaign_places_calls_flags_dead_lines_and_exports_for_evaluate(hotline, tmp_path):
    lines = {"A-ANSWER": hotline.uri("answer200"), "B-BUSY": hotline.uri("busy"), "C-SILENT": hotline.uri("noanswer")}
    campaign = campaign_for(proxy(hotline), lines, rounds=2, calls=5, ring_timeout=0.8)
    assert campaign.calls.count() == 30
    silent = campaign.hotlines.get(hotline_id="C-SILENT")
    flag_seen_at = []  # done calls of the silent line when its flag was first seen

    def watch(result):
        silent.refresh_from_db()
        if silent.dead_line and not flag_seen_at:
            flag_seen_at.append(silent.calls.filter(status=CallStatus.DONE).count())
        assert result.claimed <= 3  # one call per hotline per tick

    started = time.monotonic()
    results = drain(campaign, on_tick=watch)
    elapsed = time.monotonic() - started
    assert elapsed < 30
    campaign.refresh_from_db()
    assert campaign.status == "finished" and results[-1].finished == ["camp"]
    assert set(campaign.calls.values_list("status", flat=True)) == {CallStatus.DONE}

    answered = list(campaign.calls.filter(hotline__hotline_id="A-ANSWER"))
    assert {(c.outcome, c.prober_outcome, c.final_status) for c in answered} == {("answered", "answered", 200)}
    assert all(0.15 <= c.seconds_to_answer <= 0.75 and c.seconds_to_human == c.seconds_to_answer for c in answered), [(c.seconds_to_answer, c.seconds_to_human) for c in answered]
    assert all(c.ladder[0]["first_line"].startswith("INVITE sip:answer200@") and c.sip_call_id for c in answered)
    assert all(c.attempts == 1 and c.started_at and c.finished_at > c.started_at for c in answered)
    busy = list(campaign.calls.filter(hotline__hotline_id="B-BUSY"))
    assert {(c.outcome, c.final_status, c.q850_cause) for c in busy} == {("busy", 486, 17)}
    assert all(c.seconds_to_human is None for c in busy)
    silent_calls = list(silent.calls.all())
    assert {(c.outcome, c.prober_outcome, c.final_status) for c in silent_calls} == {("no_answer", "no_answer", 487)}

    # Dead lines: flagged the moment the 10th call at a distinct time failed, not before.
    assert flag_seen_at == [10]
    flags = dict(campaign.hotlines.values_list("hotline_id", "dead_line"))
    assert flags == {"A-ANSWER": False, "B-BUSY": True, "C-SILENT": True}
    # one hotline's calls are ≥ min_spacing apart: 10 distinct whole-second times each
    for line in campaign.hotlines.all():
        starts = sorted(line.calls.values_list("started_at", flat=True))
        assert all((b - a).total_seconds() >= 1 for a, b in zip(starts, starts[1:]))

    out = tmp_path / "probes.csv"
    assert export_csv(campaign, out) == 30
    text = out.read_text(encoding="utf-8-sig").splitlines()
    assert text[0] == ",".join(BASE_COLUMNS)
    first = text[1].split(",")
    assert first[:4] == ["A-ANSWER", "浙江省", "A-ANSWER市", first[3]] and first[3] in ("1", "2")
    assert len(first[4]) == 19 and first[5] == "answered" and float(first[6]) >= 0.15

    report_dir = tmp_path / "report"
    assert cli.main(["evaluate", str(out), "--out", str(report_dir)]) == 0
    report = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))
    by_id = {line["hotline_id"]: line for line in report["hotlines"]}
    assert {hid: line["dead_line"] for hid, line in by_id.items()} == flags
    assert {hid: line["connection_rate"] for hid, line in by_id.items()} == {"A-ANSWER": 1.0, "B-BUSY": 0.0, "C-SILENT": 0.0}
    assert all(line["calls"] == 10 and line["distinct_call_times"] == 10 for line in by_id.values())
    assert by_id["B-BUSY"]["outcomes"]["busy"] == 10 and by_id["C-SILENT"]["outcomes"]["no_answer"] == 10
    assert report["summary"]["dead_lines"] == 2 and report["summary"]["calls"] == 30


def test_concurrency_limit_and_call_rate_hold(hotline):
    lines = {f"L{i}": hotline.uri("answer100") for i in range(6)}
    campaign = campaign_for(proxy(hotline), lines, name="conc", concurrency=2, hold=0.3)
    result = run_due_calls(campaign=campaign)
    assert (result.claimed, result.done) == (6, 6)
    calls = list(campaign.calls.all())
    assert max_overlap(calls) == 2  # used, never exceeded

    paced = campaign_for(proxy(hotline), {f"P{i}": hotline.uri("busy") for i in range(4)}, name="paced",
                         concurrency=4, max_calls_per_minute=120)  # one start every 0.5 s
    first = run_due_calls(campaign=paced, limit=2)
    second = run_due_calls(campaign=paced, limit=2)  # the next tick continues the campaign's pace
    assert first.done == second.done == 2
    starts = sorted(paced.calls.values_list("started_at", flat=True))
    gaps = [(b - a).total_seconds() for a, b in zip(starts, starts[1:])]
    assert min(gaps) >= 0.48, gaps


def test_calls_only_go_to_the_configured_proxy(hotline):
    # A listener where a URI points: the campaign's proxy is SIPp, so the listener must hear nothing.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as elsewhere:
        elsewhere.bind((LOOPBACK, 0))
        elsewhere.setblocking(False)
        port = elsewhere.getsockname()[1]
        lines = {"ELSEWHERE": f"sip:busy@{LOOPBACK}:{port}", "NAMED": "sip:busy@hotline.test"}
        campaign = campaign_for(proxy(hotline), lines, name="guarded", allowed_domains=["hotline.test"])
        result = run_due_calls(campaign=campaign)
        assert result.done == 2 and result.outcomes == {"busy": 2}
        with pytest.raises(BlockingIOError):
            elsewhere.recvfrom(65535)
    for call in campaign.calls.all():
        invite = hotline.received(call.sip_call_id, 1)[0]
        assert invite.uri == call.hotline.sip_uri  # SIPp, the proxy, got the call for that URI

    # A URI changed behind the guard's back (here: straight in the database) is refused, nothing sent.
    refused = campaign_for(proxy(hotline), {"EDITED": hotline.uri("busy")}, name="edited")
    CampaignHotline.objects.filter(campaign=refused).update(sip_uri="sip:busy@198.51.100.9:5060")
    result = run_due_calls(campaign=refused)
    call = refused.calls.get()
    assert (result.done, result.errors, call.status) == (0, 1, CallStatus.ERROR)
    assert "不在允许的被叫域内" in call.error and call.sip_call_id == "" and call.ladder == []


def test_campaign_through_an_authenticating_trunk_keeps_the_password_out_of_logs(trunk, caplog):
    lines = {"TRUNK-OK": "sip:answer@hotline.test"}
    good = campaign_for(trunk.proxy, lines, name="trunk", allowed_domains=["hotline.test"],
                        auth_user="probe", password="secret")
    bad = campaign_for(trunk.proxy, lines, name="wrongpw", allowed_domains=["hotline.test"],
                       auth_user="probe", password="not-the-secret")
    with caplog.at_level("DEBUG"):
        result = tick()  # what the background worker calls: every running campaign
    assert result.done == 2
    ok, failed = good.calls.get(), bad.calls.get()
    assert (ok.outcome, ok.final_status) == ("answered", 200)
    assert [e["first_line"].split(" ")[1] for e in ok.ladder[:2]] == ["sip:answer@hotline.test", "407"]
    assert (failed.outcome, failed.prober_outcome, failed.final_status) == ("unavailable", "auth_failed", 407)
    assert "not-the-secret" not in caplog.text and "secret" not in json.dumps([ok.ladder, failed.ladder])


def test_a_claim_lost_with_its_worker_is_taken_over_after_the_lease(hotline):
    lines = {"CRASHED": hotline.uri("busy"), "LIVE": hotline.uri("busy"), "GIVEN-UP": hotline.uri("busy")}
    campaign = campaign_for(proxy(hotline), lines, name="lease")
    now = timezone.now()
    crashed, live, given_up = (campaign.calls.get(hotline__hotline_id=h) for h in lines)
    ProbeCall.objects.filter(pk=crashed.pk).update(
        status=CallStatus.CLAIMED, claim_token="dead-worker", claimed_at=now - timedelta(minutes=10),
        lease_until=now - timedelta(seconds=1), attempts=1,
    )
    ProbeCall.objects.filter(pk=live.pk).update(
        status=CallStatus.CLAIMED, claim_token="live-worker", claimed_at=now, lease_until=now + timedelta(minutes=5),
        attempts=1,
    )
    ProbeCall.objects.filter(pk=given_up.pk).update(
        status=CallStatus.CLAIMED, claim_token="dead-again", claimed_at=now - timedelta(minutes=10),
        lease_until=now - timedelta(seconds=1), attempts=3,
    )
    result = run_due_calls(campaign=campaign)
    crashed.refresh_from_db(), live.refresh_from_db(), given_up.refresh_from_db()
    assert (result.recovered, result.done, result.errors) == (1, 1, 1)
    assert (crashed.status, crashed.outcome, crashed.attempts, crashed.claim_token) == ("done", "busy", 2, "")
    assert (live.status, live.claim_token) == (CallStatus.CLAIMED, "live-worker")  # still the live worker's
    assert given_up.status == CallStatus.ERROR and "放弃" in given_up.error
    # the crashed worker's late result cannot overwrite the new one
    assert ProbeCall.objects.filter(pk=crashed.pk, status=CallStatus.CLAIMED, claim_token="dead-worker").update(
        outcome="answered") == 0


def test_paused_campaign_places_nothing_and_late_calls_are_missed(hotline):
    campaign = campaign_for(proxy(hotline), {"P": hotline.uri("busy")}, name="paused", rounds=1, calls=2)
    change_status(campaign, "pause")
    received = len(hotline.all_received())
    result = run_due_calls()
    assert (result.claimed, result.done) == (0, 0)
    assert set(campaign.calls.values_list("status", flat=True)) == {CallStatus.SCHEDULED}
    assert len(hotline.all_received()) == received
    change_status(campaign, "resume")
    assert run_due_calls(campaign=campaign).done == 1  # one call per hotline per tick

    late = campaign_for(proxy(hotline), {"LATE": hotline.uri("busy")}, name="late", late_grace_minutes=0)
    result = run_due_calls(campaign=late)
    late.refresh_from_db()
    assert (result.missed, result.claimed, late.status) == (1, 0, "finished")
    assert late.calls.get().status == CallStatus.MISSED


def test_an_interrupted_tick_hangs_up_and_releases_its_claims(hotline, monkeypatch):
    # ANSWERED's result comes after its 0.5 s hold, when RINGING (started 0.1 s apart) is ringing.
    campaign = campaign_for(proxy(hotline), {"ANSWERED": hotline.uri("answer"), "RINGING": hotline.uri("noanswer")},
                            name="crash", ring_timeout=5.0, hold=0.5)

    def database_gone(*args):
        raise RuntimeError("database went away")

    monkeypatch.setattr(scheduler, "_store", database_gone)
    cancels_before = sum(m.method == "CANCEL" for m in hotline.all_received())
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="database went away"):
        run_due_calls(campaign=campaign)
    assert time.monotonic() - started < 3  # the ringing call was not left to its 5 s ring timeout
    calls = list(campaign.calls.all())
    assert {(c.status, c.claim_token, c.attempts) for c in calls} == {(CallStatus.SCHEDULED, "", 1)}
    deadline = time.monotonic() + 2
    while sum(m.method == "CANCEL" for m in hotline.all_received()) == cancels_before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sum(m.method == "CANCEL" for m in hotline.all_received()) == cancels_before + 1  # not left ringing


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_workers_racing_for_calls_place_each_once_within_the_campaign_limit(hotline):
    import threading

    from django.db import connection

    lines = {f"W{i}": hotline.uri("answer100") for i in range(6)}
    campaign = campaign_for(proxy(hotline), lines, name="race", concurrency=2, hold=0.3)
    results, errors = [], []

    def worker():
        try:
            results.append(run_due_calls(campaign=campaign))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors
    assert sum(r.claimed for r in results) == sum(r.done for r in results) == 6
    calls = list(campaign.calls.all())
    assert all(c.status == CallStatus.DONE and c.attempts == 1 for c in calls)
    assert max_overlap(calls) <= 2
    ours = {c.sip_call_id for c in calls}
    invites = [m.call_id for m in hotline.all_received() if m.method == "INVITE" and m.call_id in ours]
    assert len(ours) == 6 and sorted(invites) == sorted(ours)  # the hotline saw each call exactly once
