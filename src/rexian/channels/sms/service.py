"""What the SMS webhooks do once a request is authentic and well-formed."""

import logging
import re
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from rexian.channels import firstresponse
from rexian.channels.inbound import Inbound, receive
from rexian.channels.models import Direction, Message, MessageStatus
from rexian.channels.sms.conf import sms_config
from rexian.core.masking import mask_phone, normalize_phone

log = logging.getLogger("rexian.channels.sms")

CHANNEL = "sms"
MAX_TEXT = 2000  # a long SMS is at most a few hundred characters; more is not an SMS
_PHONE = re.compile(r"^\+?\d{3,20}$")
_ID = re.compile(r"^[\x21-\x7e]{1,100}$")  # printable ASCII, no spaces

DELIVERED = {"delivered", "delivrd", "success", "succeeded"}
FAILED = {"failed", "undeliv", "undelivered", "rejectd", "rejected", "expired", "deleted", "error"}


class Invalid(ValueError):
    """A field is missing or malformed; the message says which."""


@dataclass
class InboundSms:
    phone: str
    to: str
    text: str
    message_id: str


def _pick(fields: dict, *names: str) -> str:
    for name in names:
        value = fields.get(name)
        if value is not None:
            if not isinstance(value, (str, int)):
                raise Invalid(f"field '{name}' must be a string")
            return str(value).strip()
    return ""


def inbound_fields(fields: dict) -> InboundSms:
    phone = normalize_phone(_pick(fields, "from", "phone", "mobile"))
    to = _pick(fields, "to")
    text = _pick(fields, "text", "content")
    message_id = _pick(fields, "id", "message_id", "msgid")
    if not _PHONE.match(phone):
        raise Invalid("field 'from' must be a phone number")
    if to and not _PHONE.match(normalize_phone(to)):
        raise Invalid("field 'to' must be a phone number")
    if not text:
        raise Invalid("field 'text' is required")
    if len(text) > MAX_TEXT:
        raise Invalid(f"field 'text' is longer than {MAX_TEXT} characters")
    if not _ID.match(message_id):
        raise Invalid("field 'id' (the provider's message id) is required: printable ASCII, at most 100 characters")
    return InboundSms(phone=phone, to=normalize_phone(to), text=text, message_id=message_id)


def receive_sms(sms: InboundSms, now=None):
    """Store the SMS once and make or join an order; a new order gets its acknowledgement queued."""
    now = now or timezone.now()
    with transaction.atomic():
        received = receive(
            Inbound(
                channel=CHANNEL, address=sms.phone, phone=sms.phone, body=sms.text, external_id=sms.message_id,
                payload={"to": sms.to},
            ),
            now=now,
        )
        if received.created:
            firstresponse.acknowledge(received, now=now)
    if received.created:
        log.info("SMS from %s into order %s", mask_phone(sms.phone), received.order.number)
    return received


@dataclass
class StatusReport:
    provider_id: str
    reference: str
    status: str  # "delivered" or "failed"
    error: str


def status_fields(fields: dict) -> StatusReport | None:
    """The report, or None when its status is an intermediate one (accepted, en route) we do not track."""
    provider_id = _pick(fields, "id", "message_id", "msgid")
    reference = _pick(fields, "reference")
    raw = _pick(fields, "status").lower()
    if not (_ID.match(provider_id) or _ID.match(reference)):
        raise Invalid("field 'id' (the provider's message id) or 'reference' (ours) is required")
    if not raw:
        raise Invalid("field 'status' is required")
    error = _pick(fields, "error", "error_code", "reason")[:200]
    if raw in DELIVERED:
        return StatusReport(provider_id, reference, "delivered", error)
    if raw in FAILED:
        return StatusReport(provider_id, reference, "failed", error or raw)
    return None


def record_status(report: StatusReport, now=None) -> str:
    """sent → delivered / failed, by the provider's id (or our reference). Returns what happened.

    "updated"; "ignored" (already final: a repeated or late report); "not sent yet"
    (the report overtook the gateway's answer: the provider should retry); "unknown".
    """
    now = now or timezone.now()
    messages = Message.objects.filter(channel=CHANNEL, direction=Direction.OUTBOUND)
    if report.provider_id:
        target = messages.filter(external_id=report.provider_id)
    else:
        pk = report.reference.removeprefix(sms_config().idempotency_prefix)
        target = messages.filter(pk=int(pk)) if pk.isdigit() else messages.none()
    message = target.first()
    if message is None:
        return "unknown"
    if report.status == "delivered":
        changes = {"status": MessageStatus.DELIVERED, "delivered_at": now}
    else:
        changes = {"status": MessageStatus.FAILED, "last_error": f"短信未送达：{report.error}"[:500]}
    # Conditional UPDATE: two reports racing, or a report racing the outbox, change the row once.
    if Message.objects.filter(pk=message.pk, status=MessageStatus.SENT).update(**changes):
        return "updated"
    if message.status in (MessageStatus.QUEUED, MessageStatus.SENDING):
        return "not sent yet"
    return "ignored"
