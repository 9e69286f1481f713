"""One parsed mail into the channel core: threaded into the order it answers, or a new order.

Threading, strongest evidence first:
1. `In-Reply-To` / `References` name one of *our* outbound Message-IDs. Ours
   carry an HMAC token (see `smtp.message_id_for`), so only someone who got
   our mail can name one.
2. They name an earlier mail of the same sender that we imported.
3. The subject carries `[工单 20261128-00017]` *and* the sender has written
   about that order before. Order numbers are sequential and guessable: a tag
   alone must not let a stranger write into someone else's order (and, since
   the answer follows the conversation, receive that order's answer).
A match on an order that is already closed starts a new order that names the
old one.
"""

import hashlib
import logging
import re
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from rexian.channels import firstresponse
from rexian.channels.email.parse import ParsedMail, strip_quoted
from rexian.channels.inbound import Inbound, receive
from rexian.channels.models import Attachment, Direction, Message, MessageStatus
from rexian.orders.choices import TERMINAL_STATES
from rexian.orders.models import WorkOrder

log = logging.getLogger("rexian.channels.email")

CHANNEL = "email"
TAG = re.compile(r"\[\s*工单\s*(\d{8}-\d{5})\s*\]")


def mask_email(address: str) -> str:
    """z***@example.cn: enough to tell two senders apart in a log, not to write to them."""
    local, at, domain = (address or "").partition("@")
    if not at:
        return "***"
    return f"{local[:1]}***@{domain}"


def external_key(message_id: str) -> str:
    """A Message-ID as an external id: the id itself, or its digest when it is longer than the column."""
    if len(message_id) <= 255:
        return message_id
    return "sha256:" + hashlib.sha256(message_id.encode()).hexdigest()


@dataclass
class Imported:
    outcome: str  # "imported", "duplicate", "skipped"
    message: Message | None = None
    order: WorkOrder | None = None
    reason: str = ""


def _threaded_order(mail: ParsedMail) -> WorkOrder | None:
    ids = [external_key(value) for value in mail.thread_ids]
    if ids:
        ours = (
            Message.objects.filter(channel=CHANNEL, direction=Direction.OUTBOUND, external_id__in=ids, order__isnull=False)
            .select_related("order").order_by("-created_at").first()
        )
        if ours is not None:
            return ours.order
        theirs = (
            Message.objects.filter(
                channel=CHANNEL, direction=Direction.INBOUND, external_id__in=ids, sender=mail.sender, order__isnull=False
            ).select_related("order").order_by("-created_at").first()
        )
        if theirs is not None:
            return theirs.order
    tag = TAG.search(mail.subject)
    if tag:
        order = WorkOrder.objects.filter(number=tag.group(1)).first()
        known_sender = order is not None and Message.objects.filter(
            Q(direction=Direction.INBOUND, sender=mail.sender) | Q(direction=Direction.OUTBOUND, recipient=mail.sender),
            channel=CHANNEL, order=order,
        ).exists()
        if known_sender:
            return order
    return None


def _key_for(mail: ParsedMail, fallback_key: str) -> str:
    """The Message-ID, unless it is missing or an earlier mail from someone else already used it."""
    if not mail.message_id:
        return fallback_key
    key = external_key(mail.message_id)
    earlier = Message.objects.filter(channel=CHANNEL, direction=Direction.INBOUND, external_id=key).first()
    if earlier is not None and earlier.sender != mail.sender:
        return fallback_key  # a reused or forged Message-ID must not swallow this mail
    return key


def _body(mail: ParsedMail, replying: bool, closed: WorkOrder | None, oversized_note: str) -> str:
    text = strip_quoted(mail.text) if replying else mail.text
    if not text:
        text = "（邮件无正文，见附件。）" if mail.attachments else "（邮件无正文。）"
    notes = list(mail.notes)
    if oversized_note:
        notes.insert(0, oversized_note)
    if closed is not None:
        notes.insert(0, f"此邮件回复的工单 {closed.number} 已办结。")
    if notes:
        text += "\n\n" + "\n".join(f"【系统说明】{note}" for note in notes)
    return text


def _mark_bounce(mail: ParsedMail) -> int:
    ids = [external_key(value) for value in mail.bounced_ids]
    if not ids:
        return 0
    return Message.objects.filter(
        channel=CHANNEL, direction=Direction.OUTBOUND, external_id__in=ids,
        status__in=[MessageStatus.SENT, MessageStatus.DELIVERED],
    ).update(status=MessageStatus.FAILED, last_error=f"退信：{mail.bounce_reason}"[:500])


def import_mail(mail: ParsedMail, fallback_key: str, imap: dict | None = None, oversized_note: str = "",
                own_address: str = "", now=None) -> Imported:
    """Store one mail exactly once. `fallback_key` (`uid:UIDVALIDITY:UID`) names it when it has no Message-ID."""
    now = now or timezone.now()
    if mail.automatic:
        failed = _mark_bounce(mail)
        log.info("e-mail skipped (%s)%s", mail.automatic, f"; {failed} outbound marked failed" if failed else "")
        return Imported("skipped", reason=mail.automatic)
    if "@" not in mail.sender:
        log.warning("e-mail without a sender address skipped")
        return Imported("skipped", reason="no sender")
    if own_address and mail.sender == own_address.lower():
        return Imported("skipped", reason="sent by this hotline")  # a loop through our own mailbox
    threaded = _threaded_order(mail)
    closed = threaded if threaded is not None and threaded.state in TERMINAL_STATES else None
    key = _key_for(mail, fallback_key)
    inbound = Inbound(
        channel=CHANNEL,
        address=mail.sender,
        name=mail.sender_name,
        subject=mail.subject,
        body=_body(mail, replying=bool(mail.thread_ids or threaded), closed=closed, oversized_note=oversized_note),
        external_id=key,
        payload={
            "message_id": mail.message_id[:1000],
            "in_reply_to": mail.in_reply_to,
            "references": mail.references,
            "date": mail.date,
            "imap": imap or {},
            "notes": mail.notes + ([oversized_note] if oversized_note else []),
        },
        order=None if closed else threaded,
        new_thread=threaded is None or closed is not None,
    )
    with transaction.atomic():
        received = receive(inbound, now=now)
        if not received.created:
            return Imported("duplicate", received.message, received.order)
        for attachment in mail.attachments:
            Attachment.objects.create(
                message=received.message,
                filename=attachment.filename,
                content_type=attachment.content_type,
                size=len(attachment.data),
                sha256=hashlib.sha256(attachment.data).hexdigest(),
                file=ContentFile(attachment.data, name=attachment.filename),
            )
        firstresponse.acknowledge(received, now=now)
    log.info(
        "e-mail from %s imported into order %s (%s attachments, %s refused)",
        mask_email(mail.sender), received.order.number, len(mail.attachments), len(mail.notes),
    )
    return Imported("imported", received.message, received.order)
