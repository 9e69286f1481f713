"""First-response times per conversation and per channel, on hand-made timestamps."""

from datetime import UTC, datetime, timedelta

import pytest

from rexian.channels import firstresponse
from rexian.channels.firstresponse import by_channel, conversation_first_response, percentile
from rexian.channels.inbound import Inbound, receive
from rexian.channels.models import Message

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def request(channel, address, at, answered_after=None):
    """A citizen's first message at `at`, acknowledged `answered_after` later (or never)."""
    received = receive(Inbound(channel=channel, address=address, phone="", body="路灯不亮", external_id=f"{address}-{at}"),
                       now=at)
    ack = firstresponse.acknowledge(received, now=at) if channel in ("sms", "email") else None
    if answered_after is not None:
        if ack is None:
            firstresponse.record_reply(received, "已受理", now=at + answered_after)
        else:
            Message.objects.filter(pk=ack.pk).update(status="sent", sent_at=at + answered_after)
    return received


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(1, 11)]
    assert percentile(values, 0.9) == 9.0 and percentile(values, 0.5) == 5.0 and percentile([7.0], 0.9) == 7.0
    assert percentile([], 0.9) is None


def test_per_channel_share_median_and_p90(db):
    request("sms", "13900000001", T0, timedelta(seconds=60))
    request("sms", "13900000002", T0, timedelta(seconds=200))  # over the 3 minutes
    request("sms", "13900000003", T0)  # never answered, limit long past: counts against
    request("sms", "13900000004", T0 + timedelta(minutes=59))  # unanswered but still has time: pending
    request("email", "a@example.cn", T0, timedelta(hours=2))
    request("wechat", "oWechatUser0001", T0, timedelta(seconds=0))
    figures = by_channel(T0, T0 + timedelta(hours=1), now=T0 + timedelta(minutes=60))
    sms = figures["sms"]
    assert (sms.requests, sms.answered, sms.pending, sms.decided, sms.within) == (4, 2, 1, 3, 1)
    assert sms.share_within == pytest.approx(1 / 3)
    assert (sms.median_seconds, sms.p90_seconds, sms.limit_minutes) == (130.0, 200.0, 3)
    email = figures["email"]
    assert (email.share_within, email.median_seconds, email.limit_minutes) == (1.0, 7200.0, 1440)
    assert figures["wechat"].share_within == 1.0 and figures["wechat"].p90_seconds == 0.0


def test_the_limits_are_configurable(db, settings):
    request("sms", "13900000002", T0, timedelta(seconds=200))
    assert by_channel(now=T0 + timedelta(days=1))["sms"].share_within == 0.0
    settings.REXIAN_FIRST_RESPONSE_MINUTES = {"sms": 5}
    assert by_channel(now=T0 + timedelta(days=1))["sms"].share_within == 1.0


def test_the_period_selects_requests_by_their_first_message(db):
    request("sms", "13900000001", T0, timedelta(seconds=30))
    request("sms", "13900000002", T0 + timedelta(days=1), timedelta(seconds=30))
    assert by_channel(T0, T0 + timedelta(days=1), now=T0 + timedelta(days=2))["sms"].requests == 1
    assert by_channel(T0 + timedelta(days=2), T0 + timedelta(days=3)) == {}


def test_a_later_message_in_the_same_order_does_not_restart_the_clock(db):
    first = request("sms", "13900000001", T0, timedelta(seconds=90))
    receive(Inbound(channel="sms", address="13900000001", body="补充", external_id="later"), now=T0 + timedelta(minutes=5))
    assert conversation_first_response(first.message.conversation) == timedelta(seconds=90)
    [response] = firstresponse.responses()
    assert response.received_at == T0 and response.seconds == 90.0


def test_an_unanswered_conversation_has_no_first_response(db):
    assert conversation_first_response(request("sms", "13900000001", T0).message.conversation) is None


def test_a_new_order_on_an_old_conversation_is_a_new_request(db):
    first = request("sms", "13900000001", T0, timedelta(seconds=30))
    first.order.state = "closed"
    first.order.save()
    request("sms", "13900000001", T0 + timedelta(days=3), timedelta(seconds=400))
    sms = by_channel(now=T0 + timedelta(days=4))["sms"]
    assert (sms.requests, sms.within, sorted(sms.seconds)) == (2, 1, [30.0, 400.0])
