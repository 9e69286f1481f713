"""Campaign settings, the trunk guard and planning: no SIP traffic here."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from rexian.evaluation.monitoring.probes import OUTCOME_LABELS
from rexian.telephony.campaigns import (
    OUTCOME_MAP,
    CampaignError,
    GuardError,
    HotlineRow,
    PlanError,
    add_hotlines,
    change_status,
    check_uri,
    create_campaign,
    plan,
    probe_config,
)
from rexian.telephony.models import CallStatus, Campaign, ProbeCall
from rexian.telephony.sip import Outcome

pytestmark = pytest.mark.django_db

LINES = [HotlineRow(f"H{i:02d}", "浙江省", f"城市{i}", f"sip:12345@ims{i % 2}.example.cn") for i in range(4)]
DAILY = {
    "rounds": 2,
    "calls_per_round": 10,
    "daily_windows": ["09:00-12:00", "14:00-17:00"],
    "start_date": date(2030, 7, 10),
    "round_days": 3,
    "round_interval_days": 14,
    "min_spacing_seconds": 1800,
    "proxy": "198.51.100.7:5060",
    "allowed_domains": ["ims0.example.cn", "ims1.example.cn"],
}


def make(name="c", lines=LINES, **overrides) -> Campaign:
    return create_campaign(list(lines), name=name, **{**DAILY, **overrides})


def schedule(campaign: Campaign) -> dict[tuple[str, int, int], datetime]:
    return {
        (call.hotline.hotline_id, call.round, call.seq): call.scheduled_at
        for call in campaign.calls.select_related("hotline")
    }


def test_every_prober_outcome_maps_into_the_evaluation_vocabulary():
    assert set(OUTCOME_MAP) == set(Outcome)
    assert set(OUTCOME_MAP.values()) <= set(OUTCOME_LABELS)
    assert {o: OUTCOME_MAP[o] for o in (Outcome.AUTH_FAILED, Outcome.TIMEOUT, Outcome.UNREACHABLE, Outcome.FAILED)} == {
        o: "unavailable" for o in (Outcome.AUTH_FAILED, Outcome.TIMEOUT, Outcome.UNREACHABLE, Outcome.FAILED)
    }
    assert all(OUTCOME_MAP[Outcome(v)] == v for v in ("answered", "busy", "no_answer", "invalid_number", "unavailable", "rejected"))


def test_plan_puts_every_call_inside_the_round_windows_with_spacing():
    campaign = make()
    assert plan(campaign, seed=42) == 4 * 2 * 10
    zone = timezone.get_current_timezone()
    per_line_round = defaultdict(list)
    days, windows = set(), set()
    for call in campaign.calls.select_related("hotline"):
        local = timezone.localtime(call.scheduled_at, zone)
        first_day = date(2030, 7, 10) + timedelta(days=14 * (call.round - 1))
        assert first_day <= local.date() < first_day + timedelta(days=3)
        in_morning = time(9) <= local.time() < time(12)
        in_afternoon = time(14) <= local.time() < time(17)
        assert in_morning or in_afternoon
        assert call.scheduled_at < call.not_after and timezone.localtime(call.not_after).time() in (time(12), time(17))
        assert call.status == CallStatus.SCHEDULED and local.microsecond == 0
        per_line_round[(call.hotline_id, call.round)].append(call.scheduled_at)
        days.add(local.date())
        windows.add(in_morning)
    for moments in per_line_round.values():
        moments.sort()
        assert len(moments) == 10
        assert all((b - a).total_seconds() >= 1800 for a, b in zip(moments, moments[1:]))
    # spread: every day of both rounds and both daily windows are used
    assert len(days) == 6 and windows == {True, False}


def test_plan_is_deterministic_with_a_seed_and_differs_with_another():
    one, two, three = make("one"), make("two"), make("three")
    plan(one, seed=7)
    plan(two, seed=7)
    plan(three, seed=8)
    assert schedule(one) == schedule(two)
    assert schedule(one) != schedule(three)
    assert one.seed == 7


def test_replanning_is_refused_and_fill_missing_adds_only_new_hotlines():
    campaign = make()
    plan(campaign, seed=3)
    before = schedule(campaign)
    with pytest.raises(PlanError, match="已排期"):
        plan(campaign, seed=3)
    extra = HotlineRow("H99", "江苏省", "南京", "sip:12345@ims0.example.cn")
    add_hotlines(campaign, [extra])
    assert plan(campaign, fill_missing=True) == 20  # the seed is the stored one
    after = schedule(campaign)
    assert {key: value for key, value in after.items() if key[0] != "H99"} == before
    # seeded per hotline and round: the late hotline gets what a full plan would have given it
    full = make("full", lines=[*LINES, extra])
    plan(full, seed=3)
    assert schedule(full) == after
    assert plan(campaign, fill_missing=True) == 0


def test_plan_refuses_windows_too_short_for_the_spacing_and_clips_to_now():
    campaign = make(calls_per_round=10, daily_windows=["09:00-09:30"], round_days=1, min_spacing_seconds=600)
    with pytest.raises(PlanError, match="放不下"):
        plan(campaign, seed=1)
    assert not campaign.calls.exists()

    now = timezone.now()
    explicit = make(
        "explicit", rounds=1, calls_per_round=3, min_spacing_seconds=60,
        round_windows=[[(now - timedelta(hours=1)).isoformat(), (now + timedelta(hours=1)).isoformat()]],
    )
    plan(explicit, seed=1, not_before=now)
    assert all(now <= call.scheduled_at < now + timedelta(hours=1) for call in explicit.calls.all())

    gone = make("gone", rounds=1, round_windows=[[(now - timedelta(hours=2)).isoformat(), (now - timedelta(hours=1)).isoformat()]])
    with pytest.raises(PlanError, match="已全部过去"):
        plan(gone, seed=1, not_before=now)


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"proxy": ""}, "出局代理"),
        ({"proxy": "not a proxy"}, "host:port"),
        ({"daily_windows": ["17:00-09:00"]}, "结束须晚于开始"),
        ({"daily_windows": ["9-12"]}, "HH:MM-HH:MM"),
        ({"start_date": None}, "开始日期"),
        ({"auth_user": "probe"}, "要么都填"),
        ({"ring_timeout": 600}, "振铃超时"),
        ({"hold": 1000}, "保持"),
        ({"concurrency": 0}, "同时通话"),
        ({"concurrency": 51}, "同时通话"),
        ({"min_spacing_seconds": 0}, "最小间隔"),
        ({"round_windows": [["2030-07-10T09:00", "2030-07-10T12:00"]]}, "明确时段有 1 轮"),
    ],
)
def test_invalid_settings_are_refused_before_anything_is_stored(overrides, message):
    with pytest.raises(CampaignError, match=message):
        make(**overrides)
    assert not Campaign.objects.exists()


def test_guard_allows_only_uris_that_go_through_the_trunk():
    campaign = make()
    assert check_uri(campaign, "sip:12345@ims0.example.cn").user == "12345"
    assert check_uri(campaign, "sip:12345@198.51.100.7:5070")  # the proxy's own host is allowed
    refusals = {
        "sip:12345@elsewhere.example.com": "不在允许的被叫域内",
        "sip:12345@ims0.example.cn;maddr=203.0.113.5": "maddr",
        "sip:12345@ims0.example.cn?Route=%3Csip:203.0.113.5%3E": "头部字段",
        "sips:12345@ims0.example.cn": "只支持 sip",
        "sip:ims0.example.cn": "被叫号码",
        "sip:12345@ims0.example.cn;transport=tcp": "transport",
        "tel:12345": "不是有效的 SIP URI",
    }
    for uri, message in refusals.items():
        with pytest.raises(GuardError, match=message):
            check_uri(campaign, uri)
    with pytest.raises(GuardError, match="H7"):
        add_hotlines(campaign, [HotlineRow("H7", "浙江省", "杭州", "sip:12345@elsewhere.example.com")])
    assert campaign.hotlines.count() == 4
    with pytest.raises(GuardError):
        create_campaign([HotlineRow("X", "浙江省", "杭州", "sip:1@evil.example")], name="x", **DAILY)
    assert not Campaign.objects.filter(name="x").exists()


def test_every_probe_config_sends_to_the_proxy_whatever_the_uri_says():
    campaign = make(auth_user="probe", password="s3cret-trunk")
    hotline = campaign.hotlines.get(hotline_id="H01")
    config = probe_config(campaign, hotline)
    assert config.next_hop() == ("198.51.100.7", 5060)
    assert (config.auth_user, config.password, config.transport) == ("probe", "s3cret-trunk", "udp")
    # A row edited behind the guard's back (e.g. in the database) is refused when dialled.
    hotline.sip_uri = "sip:12345@203.0.113.5"
    with pytest.raises(GuardError):
        probe_config(campaign, hotline)


def test_status_changes_follow_the_allowed_transitions():
    campaign = make()
    with pytest.raises(CampaignError, match="还没有排期"):
        change_status(campaign, "start")
    plan(campaign, seed=1)
    with pytest.raises(CampaignError, match="不能执行 pause"):
        change_status(campaign, "pause")
    assert change_status(campaign, "start").status == "running"
    assert change_status(campaign, "pause").status == "paused"
    assert change_status(campaign, "resume").status == "running"
    change_status(campaign, "finish")
    assert campaign.status == "finished"
    assert set(ProbeCall.objects.values_list("status", flat=True)) == {CallStatus.MISSED}
    with pytest.raises(PlanError, match="已结束"):
        plan(campaign, fill_missing=True)
