"""The SMS channel: the signed webhook, delivery reports, and the HTTP gateway against a local provider."""

import json
import time

import pytest

from rexian.channels import gateways, outbox
from rexian.channels.models import Message
from rexian.channels.sms.signature import sign
from rexian.orders.models import WorkOrder
from tests.channels.peers.http import FakeProvider

SECRET = "sms-webhook-secret-0123456789abcdef"


@pytest.fixture
def sms_settings(settings):
    settings.REXIAN_SMS = {"WEBHOOK_SECRET": SECRET, "API_KEY": "key-123", "TIMEOUT": 2}
    return settings.REXIAN_SMS


def post(client, path, fields, secret=SECRET, skew=0, as_form=False, signature=None):
    if as_form:
        from urllib.parse import urlencode

        body, content_type = urlencode(fields).encode(), "application/x-www-form-urlencoded"
    else:
        body, content_type = json.dumps(fields, ensure_ascii=False).encode(), "application/json"
    timestamp = str(int(time.time()) + skew)
    headers = {"X-Rexian-Timestamp": timestamp, "X-Rexian-Signature": signature or sign(secret, timestamp, body)}
    return client.post(f"/channels/sms/{path}", data=body, content_type=content_type, headers=headers)


SMS = {"from": "+86 139-0000-1111", "to": "12345", "text": "小区门口井盖丢失，很危险", "id": "prov-msg-1"}


# ---------------------------------------------------------------- inbound webhook


def test_it_turns_a_signed_sms_into_an_order_and_queues_the_acknowledgement(client, db, sms_settings):
    response = post(client, "inbound", SMS)
    assert response.status_code == 200 and response.json() == {"status": "accepted"}
    order = WorkOrder.objects.get()
    assert (order.channel, order.contact_phone, order.content) == ("sms", "13900001111", "小区门口井盖丢失，很危险")
    inbound = Message.objects.get(direction="in")
    assert inbound.external_id == "prov-msg-1" and inbound.payload == {"to": "12345"}
    ack = Message.objects.get(direction="out")
    assert ack.recipient == "13900001111" and order.tracking.code in ack.body and ack.status == "queued"


def test_form_fields_work_as_well_as_json(client, db, sms_settings):
    assert post(client, "inbound", SMS, as_form=True).status_code == 200
    assert WorkOrder.objects.count() == 1


def test_a_replayed_message_id_makes_one_order(client, db, sms_settings):
    assert post(client, "inbound", SMS).json() == {"status": "accepted"}
    assert post(client, "inbound", SMS).json() == {"status": "duplicate"}
    assert WorkOrder.objects.count() == 1 and Message.objects.count() == 2  # one in, one acknowledgement


@pytest.mark.parametrize(
    "change, why",
    [
        ({"secret": "not-the-secret"}, "bad signature"),
        ({"signature": "sha256=" + "0" * 64}, "bad signature"),
        ({"skew": -310}, "stale timestamp"),
        ({"skew": 310}, "stale timestamp"),
    ],
)
def test_a_forged_or_stale_request_is_refused_and_nothing_is_stored(client, db, sms_settings, change, why):
    response = post(client, "inbound", SMS, **change)
    assert response.status_code == 403 and response.json() == {"error": why}
    assert Message.objects.count() == 0 and WorkOrder.objects.count() == 0


def test_a_request_without_signature_is_refused(client, db, sms_settings):
    response = client.post("/channels/sms/inbound", data=json.dumps(SMS), content_type="application/json")
    assert response.status_code == 403 and response.json() == {"error": "missing signature"}
    assert Message.objects.count() == 0


@pytest.mark.parametrize(
    "fields, error",
    [
        ({**SMS, "from": "not a phone"}, "field 'from' must be a phone number"),
        ({**SMS, "text": "  "}, "field 'text' is required"),
        ({**SMS, "text": "长" * 2001}, "field 'text' is longer than 2000 characters"),
        ({k: v for k, v in SMS.items() if k != "id"}, "field 'id'"),
        ({**SMS, "text": ["a list"]}, "field 'text' must be a string"),
    ],
)
def test_malformed_fields_are_refused_with_the_reason(client, db, sms_settings, fields, error):
    response = post(client, "inbound", fields)
    assert response.status_code == 400 and response.json()["error"].startswith(error)
    assert Message.objects.count() == 0


def test_malformed_json_oversized_bodies_and_wrong_methods_are_refused(client, db, sms_settings):
    timestamp = str(int(time.time()))
    body = b"{not json"
    headers = {"X-Rexian-Timestamp": timestamp, "X-Rexian-Signature": sign(SECRET, timestamp, body)}
    bad = client.post("/channels/sms/inbound", data=body, content_type="application/json", headers=headers)
    assert bad.status_code == 400 and bad.json() == {"error": "body is not valid JSON"}
    assert post(client, "inbound", {**SMS, "padding": "x" * 17000}).status_code == 413
    assert client.get("/channels/sms/inbound").status_code == 405
    assert Message.objects.count() == 0


def test_the_webhook_answers_503_until_a_secret_is_configured(client, db, settings):
    settings.REXIAN_SMS = {}
    assert post(client, "inbound", SMS).status_code == 503


# ---------------------------------------------------------------- outbound gateway


@pytest.fixture
def provider(settings, sms_settings):
    server = FakeProvider()
    settings.REXIAN_SMS = {**sms_settings, "GATEWAY_URL": f"{server.url}/v1/sms"}
    gateways.configure()
    yield server
    server.stop()
    outbox.GATEWAYS.pop("sms", None)


def test_the_gateway_posts_json_with_the_api_key_and_our_message_id_as_idempotency_key(client, db, provider):
    post(client, "inbound", SMS)
    assert outbox.drain().sent == 1
    ack = Message.objects.get(direction="out")
    [request] = provider.requests
    assert (request.method, request.path) == ("POST", "/v1/sms")
    assert request.headers["x-api-key"] == "key-123"
    assert request.headers["idempotency-key"] == f"rexian-{ack.pk}"
    assert request.json() == {"to": "13900001111", "text": ack.body, "sender": "12345", "reference": f"rexian-{ack.pk}"}
    assert (ack.status, ack.external_id) == ("sent", "p-1")


def test_a_503_is_retried_with_the_same_idempotency_key(client, db, provider):
    provider.respond = lambda request: (503, {"error": "busy"}) if len(provider.requests) == 1 else (200, {"id": "p-9"})
    post(client, "inbound", SMS)
    assert outbox.drain().retried == 1
    ack = Message.objects.get(direction="out")
    assert ack.status == "queued" and "HTTP 503" in ack.last_error
    assert outbox.drain(now=ack.next_attempt_at).sent == 1
    ack.refresh_from_db()
    assert (ack.status, ack.external_id, ack.attempts) == ("sent", "p-9", 2)
    assert len({request.headers["idempotency-key"] for request in provider.requests}) == 1


def test_a_400_fails_permanently(client, db, provider):
    provider.respond = lambda request: (400, {"error": "invalid number"})
    post(client, "inbound", SMS)
    assert outbox.drain().failed == 1
    ack = Message.objects.get(direction="out")
    assert ack.status == "failed" and "HTTP 400" in ack.last_error


def test_a_timeout_is_retried(client, db, provider, settings):
    settings.REXIAN_SMS = {**settings.REXIAN_SMS, "TIMEOUT": 1}
    gateways.configure()
    provider.respond = lambda request: (None, 3)  # never answers within the timeout
    post(client, "inbound", SMS)
    assert outbox.drain().retried == 1
    assert "unreachable" in Message.objects.get(direction="out").last_error


# ---------------------------------------------------------------- delivery reports


def test_a_delivery_report_moves_sent_to_delivered_once(client, db, provider):
    post(client, "inbound", SMS)
    outbox.drain()
    response = post(client, "status", {"id": "p-1", "status": "DELIVRD"})
    assert response.status_code == 200 and response.json() == {"status": "updated"}
    ack = Message.objects.get(direction="out")
    assert ack.status == "delivered" and ack.delivered_at is not None
    assert post(client, "status", {"id": "p-1", "status": "failed"}).json() == {"status": "ignored"}
    ack.refresh_from_db()
    assert ack.status == "delivered"


def test_a_failure_report_marks_the_message_failed_with_the_reason(client, db, provider):
    post(client, "inbound", SMS)
    outbox.drain()
    assert post(client, "status", {"id": "p-1", "status": "UNDELIV", "error": "MK:0001"}).status_code == 200
    ack = Message.objects.get(direction="out")
    assert ack.status == "failed" and "MK:0001" in ack.last_error


def test_reports_can_name_our_reference_and_unknown_or_early_ones_are_answered_clearly(client, db, provider):
    post(client, "inbound", SMS)
    ack = Message.objects.get(direction="out")
    early = post(client, "status", {"reference": f"rexian-{ack.pk}", "status": "delivered"})
    assert early.status_code == 409  # not sent yet: the provider should retry
    outbox.drain()
    assert post(client, "status", {"reference": f"rexian-{ack.pk}", "status": "delivered"}).status_code == 200
    assert post(client, "status", {"id": "nope", "status": "delivered"}).status_code == 404
    assert post(client, "status", {"id": "p-1", "status": "enroute"}).json() == {"status": "ignored"}
    assert post(client, "status", {"id": "p-1"}).status_code == 400
    assert post(client, "status", {"id": "p-1", "status": "delivered"}, secret="forged").status_code == 403
