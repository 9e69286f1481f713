"""Replies by SMTP to a real SMTP server on 127.0.0.1 (aiosmtpd): threading headers, tag, retries."""

import ssl

import pytest

from rexian.channels import gateways, outbox
from rexian.channels.email.conf import email_config
from rexian.channels.email.importer import import_mail
from rexian.channels.email.parse import parse
from rexian.channels.email.smtp import SmtpGateway, build
from rexian.channels.models import Message
from rexian.channels.outbox import GatewayError
from rexian.orders.services.workflow import perform
from tests.channels.peers import mails
from tests.channels.peers.dovecot import free_port, self_signed_cert
from tests.channels.peers.smtp import SmtpServer


@pytest.fixture
def smtp(settings):
    server = SmtpServer()
    settings.REXIAN_EMAIL = {
        "SMTP_HOST": "127.0.0.1", "SMTP_PORT": server.port, "SMTP_SECURITY": "none",
        "FROM_ADDRESS": "12345@hotline.example.cn", "TIMEOUT": 5,
    }
    gateways.configure()
    yield server
    server.stop()
    outbox.GATEWAYS.pop("email", None)


def citizen_mail(**headers):
    raw = mails.plain(References="<r0@example.com>", **headers)
    return import_mail(parse(raw), "uid:1:1")


def test_the_acknowledgement_is_threaded_tagged_and_marked_automatic(db, smtp):
    order = citizen_mail().order
    assert outbox.drain().sent == 1
    [sent] = smtp.messages
    ack = Message.objects.get(direction="out")
    assert sent["Message-ID"] == ack.external_id and ack.external_id.endswith("@hotline.example.cn>")
    assert sent["In-Reply-To"] == "<m1@example.com>"
    assert sent["References"] == "<r0@example.com> <m1@example.com>"
    assert sent["Subject"] == f"[工单 {order.number}] 已受理：小区门口路灯不亮"
    assert sent["Auto-Submitted"] == "auto-replied"
    assert sent["To"] == "zhangsan@example.com" and "12345@hotline.example.cn" in sent["From"]
    assert order.tracking.code in sent.get_content()
    assert smtp.handler.envelopes[0].rcpt_tos == ["zhangsan@example.com"]


def test_the_approved_answer_goes_back_by_mail_in_the_same_thread(db, smtp, users):
    order = citizen_mail().order
    outbox.drain()
    for user, action, data in [
        (users["dispatcher"], "dispatch", {"unit": "ZJJ"}),
        (users["housing"], "accept", {}),
        (users["housing"], "reply", {"result": "resolved", "content": "路灯已于今日修复。"}),
        (users["reviewer"], "approve", {}),
    ]:
        order = perform(order, action, user, data)
    assert outbox.drain().sent == 1
    answer = smtp.messages[-1]
    assert answer["In-Reply-To"] == "<m1@example.com>" and f"[工单 {order.number}]" in answer["Subject"]
    assert "路灯已于今日修复。" in answer.get_content() and "Auto-Submitted" not in answer


def test_the_citizens_reply_to_our_mail_joins_the_order(db, smtp):
    order = citizen_mail().order
    outbox.drain()
    ours = smtp.messages[0]["Message-ID"]
    reply = parse(mails.plain(sender="zhang.other@example.org", message_id="<m2@example.org>", In_Reply_To=ours,
                              subject="Re: " + smtp.messages[0]["Subject"], body="谢谢，补充一张照片。"))
    assert import_mail(reply, "uid:1:2").order == order


def test_a_retry_sends_the_same_message_id(db, smtp):
    citizen_mail()
    ack = Message.objects.get(direction="out")
    config = email_config()
    assert build(ack, config)["Message-ID"] == build(ack, config)["Message-ID"]
    other = Message.objects.create(conversation=ack.conversation, channel="email", direction="out", status="queued",
                                   recipient=ack.recipient)
    assert build(other, config)["Message-ID"] != build(ack, config)["Message-ID"]


def test_an_unreachable_server_is_retried_with_backoff(db, settings, smtp):
    settings.REXIAN_EMAIL = {**settings.REXIAN_EMAIL, "SMTP_PORT": free_port()}
    gateways.configure()
    citizen_mail()
    assert outbox.drain().retried == 1
    ack = Message.objects.get(direction="out")
    assert ack.status == "queued" and ack.next_attempt_at and "SMTP" in ack.last_error


def test_a_refused_recipient_fails_permanently(db, smtp):
    smtp.handler.refuse_rcpt = "550 5.1.1 no such user"
    citizen_mail()
    assert outbox.drain().failed == 1
    ack = Message.objects.get(direction="out")
    assert ack.status == "failed" and "550" in ack.last_error


def test_starttls_to_a_server_with_a_self_signed_certificate_and_our_ca_file(db, settings, tmp_path):
    cert, key = self_signed_cert(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = SmtpServer(tls_context=context, require_starttls=True)
    try:
        settings.REXIAN_EMAIL = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": server.port, "SMTP_SECURITY": "starttls",
                                 "FROM_ADDRESS": "12345@hotline.example.cn", "CA_FILE": str(cert), "TIMEOUT": 5}
        gateways.configure()
        citizen_mail()
        assert outbox.drain().sent == 1 and len(server.messages) == 1
        settings.REXIAN_EMAIL = {**settings.REXIAN_EMAIL, "SMTP_SECURITY": "none"}  # refused without STARTTLS
        with pytest.raises(GatewayError) as refused:
            SmtpGateway(email_config())(Message.objects.get(direction="out"))
        assert not refused.value.permanent and "530" in str(refused.value)  # our configuration: keep retrying
    finally:
        server.stop()
        outbox.GATEWAYS.pop("email", None)
