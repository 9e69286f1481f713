"""`rexian channels poll-email`, `rexian channels send`, and the worker's `tick()`, end to end."""

import argparse

import pytest

from rexian.channels import outbox, poll_cli
from rexian.channels.models import Message
from rexian.orders.models import WorkOrder
from tests.channels.peers import mails
from tests.channels.peers.dovecot import email_settings, free_port, imap, imap_server  # noqa: F401 (fixtures)
from tests.channels.peers.smtp import SmtpServer


@pytest.fixture
def smtp():
    server = SmtpServer()
    yield server
    server.stop()
    outbox.GATEWAYS.pop("email", None)


def run(*argv) -> int:
    parser = argparse.ArgumentParser()
    poll_cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def test_one_tick_imports_new_mail_and_sends_the_acknowledgement(db, imap, smtp, settings):
    settings.REXIAN_EMAIL = email_settings(imap, SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port, SMTP_SECURITY="none")
    imap.deliver(mails.plain())
    result = poll_cli.tick()
    assert (result.imported, result.sent, result.mailbox_error) == (1, 1, "")
    order = WorkOrder.objects.get()
    assert smtp.messages[0]["Subject"].startswith(f"[工单 {order.number}]")
    assert not poll_cli.tick()  # nothing new, nothing to send


def test_an_unreachable_mailbox_does_not_stop_the_outbox(db, smtp, settings):
    settings.REXIAN_EMAIL = {"IMAP_HOST": "127.0.0.1", "IMAP_PORT": free_port(), "IMAP_SECURITY": "none",
                             "IMAP_USER": "u", "IMAP_PASSWORD": "p", "TIMEOUT": 2}
    result = poll_cli.tick()
    assert result.mailbox_error and "127.0.0.1" in result.mailbox_error and result.sent == 0


def test_poll_email_prints_a_summary(db, imap, settings, capsys):
    settings.REXIAN_EMAIL = email_settings(imap, SMTP_HOST="127.0.0.1")
    imap.deliver(mails.plain())
    assert run("channels", "poll-email") == 0
    assert "导入 1" in capsys.readouterr().out


def test_poll_email_without_a_mailbox_says_so(db, settings, capsys):
    settings.REXIAN_EMAIL = {}
    assert run("channels", "poll-email") == 2
    assert "REXIAN_EMAIL_IMAP_HOST" in capsys.readouterr().err


def test_send_drains_the_outbox_once(db, smtp, settings, capsys):
    settings.REXIAN_EMAIL = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp.port, "SMTP_SECURITY": "none",
                             "FROM_ADDRESS": "12345@hotline.example.cn"}
    from rexian.channels.email.importer import import_mail
    from rexian.channels.email.parse import parse

    import_mail(parse(mails.plain()), "uid:1:1")
    assert run("channels", "send", "--limit", "5") == 0
    assert "已发送 1" in capsys.readouterr().out
    assert Message.objects.get(direction="out").status == "sent"


def test_impossible_channel_settings_are_reported_by_the_system_check(settings):
    from rexian.channels.gateways import check_channel_settings

    settings.REXIAN_EMAIL = {"IMAP_HOST": "imap.example.cn", "IMAP_SECURITY": "tls"}
    settings.REXIAN_SMS = {"GATEWAY_URL": "file:///etc/passwd", "API_KEY": "k"}
    settings.REXIAN_WECHAT = {"APP_ID": "wx1"}
    errors = check_channel_settings()
    assert [error.id for error in errors] == [f"channels.E{n:03d}" for n in range(1, len(errors) + 1)]
    text = " ".join(error.msg for error in errors)
    for expected in ("REXIAN_EMAIL_IMAP_SECURITY='tls'", "REXIAN_EMAIL_IMAP_USER", "REXIAN_SMS_GATEWAY_URL",
                     "REXIAN_WECHAT_APP_SECRET"):
        assert expected in text
    settings.REXIAN_EMAIL, settings.REXIAN_SMS, settings.REXIAN_WECHAT = {}, {}, {}
    assert check_channel_settings() == []
