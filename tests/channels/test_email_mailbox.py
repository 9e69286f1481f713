"""The IMAP poller against a real Dovecot on 127.0.0.1: exactly-once import, threading, limits."""

import hashlib

import pytest

from rexian.channels.email import mailbox
from rexian.channels.email.conf import email_config
from rexian.channels.email.mailbox import MailboxError, poll
from rexian.channels.models import Attachment, Message
from rexian.orders.models import WorkOrder
from tests.channels.peers import mails
from tests.channels.peers.dovecot import DOVECOT, Dovecot, email_settings, imap, imap_server, started  # noqa: F401 (fixtures)
from tests.conftest import require_tool


@pytest.fixture
def mail_settings(settings, imap):
    settings.REXIAN_EMAIL = email_settings(imap)
    return settings.REXIAN_EMAIL


def test_it_turns_a_new_mail_into_an_order_and_marks_it_seen_after_the_commit(db, imap, mail_settings):
    imap.deliver(mails.plain())
    result = poll()
    assert (result.found, result.imported) == (1, 1)
    message = Message.objects.get(direction="in")
    order = message.order
    assert (order.channel, order.title, message.external_id) == ("email", "小区门口路灯不亮", "<m1@example.com>")
    assert message.sender == "zhangsan@example.com" and "路灯坏了一周" in message.body
    assert message.payload["imap"]["uid"].isdigit()
    assert "\\Seen" in imap.flags()[0]
    ack = Message.objects.get(direction="out")
    assert ack.status == "queued" and ack.in_reply_to == message and ack.payload == {"kind": "ack"}
    assert order.number in ack.body and order.tracking.code in ack.body
    assert poll().found == 0  # seen: not read again


def test_a_duplicate_delivery_of_one_mail_makes_one_order(db, imap, mail_settings):
    imap.deliver(mails.plain())
    imap.deliver(mails.plain())  # the same Message-ID, delivered twice (a mail server retry, To and Cc)
    result = poll()
    assert (result.imported, result.duplicates) == (1, 1)
    assert WorkOrder.objects.count() == 1 and Message.objects.filter(direction="in").count() == 1
    assert all("\\Seen" in flags for flags in imap.flags())


def test_a_crash_between_commit_and_marking_re_reads_the_mail_and_imports_nothing(db, imap, mail_settings, monkeypatch):
    imap.deliver(mails.plain())

    def crash(*args):
        raise RuntimeError("worker killed before \\Seen was set")

    monkeypatch.setattr(mailbox, "_mark_processed", crash)
    with pytest.raises(RuntimeError):
        poll()
    assert WorkOrder.objects.count() == 1 and "\\Seen" not in imap.flags()[0]
    monkeypatch.undo()
    result = poll()
    assert (result.found, result.imported, result.duplicates) == (1, 0, 1)
    assert WorkOrder.objects.count() == 1 and Message.objects.filter(direction="out").count() == 1
    assert "\\Seen" in imap.flags()[0]


def test_a_mail_without_message_id_is_keyed_by_uidvalidity_and_uid(db, imap, mail_settings, monkeypatch):
    imap.deliver(mails.plain(message_id=None))
    monkeypatch.setattr(mailbox, "_mark_processed", lambda *args: None)  # as if we crashed every time
    assert poll().imported == 1
    assert poll().duplicates == 1
    message = Message.objects.get(direction="in")
    imap_ids = message.payload["imap"]
    assert message.external_id == f"uid:{imap_ids['uidvalidity']}:{imap_ids['uid']}"


def test_a_reused_message_id_from_another_sender_is_not_swallowed(db, imap, mail_settings):
    imap.deliver(mails.plain())
    imap.deliver(mails.plain(sender="other@example.net", subject="另一件事"))
    assert poll().imported == 2
    assert WorkOrder.objects.count() == 2


def test_a_gbk_mail_is_decoded(db, imap, mail_settings):
    imap.deliver(mails.gbk("朱镕基路夜间施工噪音", "每天晚上十一点以后还在施工。"))
    poll()
    order = WorkOrder.objects.get()
    assert order.title == "朱镕基路夜间施工噪音" and order.content.startswith("每天晚上十一点以后还在施工。")


def test_a_reply_from_another_address_naming_our_message_id_joins_the_order(db, imap, mail_settings):
    imap.deliver(mails.plain())
    poll()
    order = WorkOrder.objects.get()
    ours = Message.objects.get(direction="out")
    ours.external_id = "<rexian.1.abcdef@hotline.example.cn>"  # as the SMTP gateway records it once sent
    ours.save()
    imap.deliver(mails.plain(
        subject=f"Re: [工单 {order.number}] 已受理：小区门口路灯不亮", body="补充：在3号楼旁边。\n\n> 您的来信已受理",
        sender="zhangsan.work@example.org", message_id="<m2@example.org>",
        In_Reply_To=ours.external_id, References=f"<m1@example.com> {ours.external_id}",
    ))
    poll()
    reply = Message.objects.get(external_id="<m2@example.org>")
    assert reply.order == order and reply.body == "补充：在3号楼旁边。"
    assert WorkOrder.objects.count() == 1
    assert list(order.events.values_list("action", flat=True)) == ["register", "citizen_message"]
    assert Message.objects.filter(direction="out").count() == 1  # joining an order is not acknowledged again


def test_a_subject_tag_from_a_stranger_does_not_open_someone_elses_order(db, imap, mail_settings):
    imap.deliver(mails.plain())
    poll()
    order = WorkOrder.objects.get()
    imap.deliver(mails.plain(subject=f"Re: [工单 {order.number}] 我也要说", sender="stranger@example.net",
                             message_id="<s1@example.net>"))
    poll()
    stranger = Message.objects.get(external_id="<s1@example.net>")
    assert stranger.order != order and WorkOrder.objects.count() == 2


def test_a_reply_to_a_closed_order_starts_a_new_one_that_names_it(db, imap, mail_settings):
    imap.deliver(mails.plain())
    poll()
    order = WorkOrder.objects.get()
    WorkOrder.objects.filter(pk=order.pk).update(state="closed")
    imap.deliver(mails.plain(subject=f"Re: [工单 {order.number}] 小区门口路灯不亮", body="又坏了。",
                             message_id="<m3@example.com>", In_Reply_To="<m1@example.com>"))
    poll()
    newer = Message.objects.get(external_id="<m3@example.com>").order
    assert newer != order and f"此邮件回复的工单 {order.number} 已办结" in newer.content


def test_an_oversized_attachment_is_refused_but_the_mail_is_imported_with_a_note(db, imap, settings, mail_settings):
    settings.REXIAN_EMAIL = {**mail_settings, "MAX_ATTACHMENT_KB": 2}
    photo = b"\xff\xd8" + bytes(range(256)) * 4
    imap.deliver(mails.plain(attachments=[("现场.jpg", "image/jpeg", photo), ("视频.mp4", "video/mp4", b"v" * 4096)]))
    assert poll().imported == 1
    attachment = Attachment.objects.get()
    assert (attachment.filename, attachment.size) == ("现场.jpg", len(photo))
    assert attachment.sha256 == hashlib.sha256(photo).hexdigest()
    assert attachment.file.read() == photo
    message = attachment.message
    assert "【系统说明】附件“视频.mp4”（4 KB）未保存" in message.body
    assert message.payload["notes"] and message.order.content == message.body


def test_a_mail_over_the_size_limit_is_imported_from_its_headers_with_a_note(db, imap, settings, mail_settings):
    settings.REXIAN_EMAIL = {**mail_settings, "MAX_MESSAGE_KB": 1}
    imap.deliver(mails.plain(body="很长的信。" * 400))
    assert poll().imported == 1
    order = WorkOrder.objects.get()
    assert order.title == "小区门口路灯不亮" and "邮件过大" in order.content and "很长的信" not in order.content


def test_auto_replies_are_marked_but_make_no_order(db, imap, mail_settings):
    imap.deliver(mails.plain(Auto_Submitted="auto-replied", subject="自动回复：休假中"))
    result = poll()
    assert (result.found, result.skipped) == (1, 1)
    assert WorkOrder.objects.count() == 0 and "\\Seen" in imap.flags()[0]


def test_a_bounce_marks_our_outbound_mail_failed(db, imap, mail_settings):
    imap.deliver(mails.plain())
    poll()
    ours = Message.objects.get(direction="out")
    Message.objects.filter(pk=ours.pk).update(status="sent", external_id="<rexian.9.abc@hotline.example.cn>")
    imap.deliver(mails.bounce("<rexian.9.abc@hotline.example.cn>"))
    assert poll().skipped == 1
    ours.refresh_from_db()
    assert ours.status == "failed" and "550 5.1.1" in ours.last_error
    assert WorkOrder.objects.count() == 1


def test_the_processed_folder_mode_moves_imported_mail(db, imap, settings, mail_settings):
    settings.REXIAN_EMAIL = {**mail_settings, "IMAP_PROCESSED_FOLDER": "Processed"}
    imap.deliver(mails.plain())
    assert poll().imported == 1
    assert (imap.count("INBOX"), imap.count("Processed")) == (0, 1)
    assert poll().found == 0


def test_a_wrong_password_is_a_clear_mailbox_error(db, imap, settings, mail_settings):
    settings.REXIAN_EMAIL = {**mail_settings, "IMAP_PASSWORD": "wrong"}
    with pytest.raises(MailboxError, match="127.0.0.1"):
        poll()


def test_starttls_with_a_self_signed_certificate_and_our_ca_file(db, tmp_path, settings):
    require_tool(DOVECOT, "the e-mail tests read a real IMAP mailbox (Debian package dovecot-imapd)")
    server = started(lambda: Dovecot(tmp_path, tls=True))
    try:
        settings.REXIAN_EMAIL = email_settings(server, IMAP_SECURITY="starttls", CA_FILE=str(server.cert))
        server.deliver(mails.plain())
        assert poll().imported == 1
        settings.REXIAN_EMAIL = email_settings(server, IMAP_SECURITY="starttls")  # system CAs: not trusted
        with pytest.raises(MailboxError, match="CERTIFICATE_VERIFY_FAILED"):
            poll(email_config())
    finally:
        server.stop()


def test_a_mail_that_fails_to_import_stays_unseen_and_the_others_go_on(db, imap, mail_settings, monkeypatch):
    imap.deliver(mails.plain(message_id="<bad@example.com>"))
    imap.deliver(mails.plain(message_id="<good@example.com>", sender="other@example.net"))
    real = mailbox.import_mail

    def flaky(mail, *args, **kwargs):
        if mail.message_id == "<bad@example.com>":
            raise ValueError("database hiccup")
        return real(mail, *args, **kwargs)

    monkeypatch.setattr(mailbox, "import_mail", flaky)
    result = poll()
    assert (result.imported, result.failed) == (1, 1)
    assert ["\\Seen" in flags for flags in imap.flags()] == [False, True]
    monkeypatch.undo()
    assert poll().imported == 1 and WorkOrder.objects.count() == 2
