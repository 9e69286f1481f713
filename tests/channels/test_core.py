"""The channel core: exactly-once intake, threading into open orders, and the outbox."""


import pytest

from rexian.channels import outbox
from rexian.channels.inbound import Inbound, receive
from rexian.channels.models import Message, MessageStatus
from tests.racing import race


def sms(body="小区门口井盖丢失，很危险", external_id="sms-1", **extra):
    return Inbound(channel="sms", address="13900001111", phone="13900001111", body=body, external_id=external_id, **extra)


def test_a_message_becomes_an_order_with_a_tracking_code(db):
    received = receive(sms())
    order = received.order
    assert received.created and order.channel == "sms" and order.contact_phone == "13900001111"
    assert order.tracking.code and len(order.tracking.code) == 8
    assert order.events.get().action == "register"


def test_a_repeated_delivery_creates_nothing_new(db):
    first = receive(sms())
    again = receive(sms())
    assert not again.created and again.order == first.order and again.message == first.message
    assert Message.objects.count() == 1


def test_the_same_idempotency_key_is_one_message(db):
    first = receive(Inbound(channel="web", address="a@example.cn", body="路灯不亮", idempotency_key="k-1"))
    again = receive(Inbound(channel="web", address="a@example.cn", body="路灯不亮", idempotency_key="k-1"))
    assert again.message == first.message


def test_a_second_message_joins_the_open_order_as_an_event(db):
    first = receive(sms())
    second = receive(sms(body="补充：在幸福路 12 号门口", external_id="sms-2"))
    assert second.order == first.order
    assert list(first.order.events.values_list("action", flat=True)) == ["register", "citizen_message"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_deliveries_of_one_message_store_it_once():
    results = race(lambda: receive(sms()), lambda: receive(sms()))
    assert Message.objects.count() == 1
    assert len({result.order.pk for result in results}) == 1


def test_the_approved_answer_is_queued_on_the_channel_it_came_from(answered_sms_order):
    message = Message.objects.get(direction="out")
    assert message.channel == "sms" and message.recipient == "13900001111"
    assert "已补装井盖" in message.body and answered_sms_order.number in message.body
    assert message.status == MessageStatus.QUEUED


def test_the_outbox_sends_once_and_retries_with_backoff(answered_sms_order):
    calls = []

    def flaky(message):
        calls.append(message.pk)
        if len(calls) == 1:
            raise outbox.GatewayError("gateway busy")
        return "provider-42"

    outbox.register("sms", flaky)
    try:
        assert outbox.drain().retried == 1
        message = Message.objects.get(direction="out")
        assert message.status == MessageStatus.QUEUED and message.next_attempt_at is not None
        assert outbox.drain().sent == 0  # not due yet: backoff
        assert outbox.drain(now=message.next_attempt_at).sent == 1
        message.refresh_from_db()
        assert (message.status, message.external_id, message.attempts) == ("sent", "provider-42", 2)
        assert outbox.drain(now=message.next_attempt_at).sent == 0  # never sent twice
    finally:
        outbox.GATEWAYS.pop("sms", None)


def test_a_channel_without_a_gateway_fails_permanently_and_says_why(answered_sms_order):
    outbox.GATEWAYS.pop("sms", None)
    assert outbox.drain().failed == 1
    message = Message.objects.get(direction="out")
    assert message.status == "failed" and "网关" in message.last_error
