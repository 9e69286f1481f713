"""Receiving a message on any channel: stored once, then joined to an order or made one.

A repeated delivery (the same external id, or the same idempotency key) returns
the first delivery's message and order and changes nothing: WeChat retries three
times, SMS gateways and mail servers redeliver, clients resubmit forms.
"""

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from rexian.channels.models import Conversation, Direction, Message, MessageStatus, TrackingCode
from rexian.orders.choices import OPEN_STATES, OrderType, State
from rexian.orders.models import WorkOrder, WorkOrderEvent
from rexian.orders.services.intake import create_order

MAX_BODY = 10000
MAX_SUBJECT = 200


@dataclass
class Inbound:
    channel: str
    address: str  # the citizen's address on the channel: phone, e-mail address, openid
    body: str
    external_id: str = ""
    idempotency_key: str = ""
    subject: str = ""
    name: str = ""
    phone: str = ""
    payload: dict = field(default_factory=dict)
    # Intake fields chosen by the citizen (portal, Open311): order_type, category, title, address, ...
    intake: dict = field(default_factory=dict)
    # The order this message answers, when the channel can tell (e-mail threading).
    order: WorkOrder | None = None
    # True when the channel knows this starts a new matter (an e-mail answering
    # nothing); otherwise a message joins the conversation's open order.
    new_thread: bool = False


@dataclass
class Received:
    message: Message
    order: WorkOrder | None
    created: bool  # False: a repeated delivery of a message already stored
    new_order: bool = False  # True: this delivery opened the order


def _existing(inbound: Inbound) -> Message | None:
    keys = Q()
    if inbound.external_id:
        keys |= Q(external_id=inbound.external_id)
    if inbound.idempotency_key:
        keys |= Q(idempotency_key=inbound.idempotency_key)
    if not keys:
        return None
    return (
        Message.objects.select_related("order")
        .filter(keys, channel=inbound.channel, direction=Direction.INBOUND)
        .first()
    )


def _title(inbound: Inbound) -> str:
    text = inbound.intake.get("title") or inbound.subject or inbound.body
    text = " ".join(text.split())
    return (text[:40] + "…") if len(text) > 40 else (text or "（无标题）")


def _open_order_of(conversation: Conversation) -> WorkOrder | None:
    if conversation.order_id and conversation.order.state in OPEN_STATES | {State.MERGED}:
        return conversation.order
    return None


def receive(inbound: Inbound, now=None) -> Received:
    now = now or timezone.now()
    duplicate = _existing(inbound)
    if duplicate is not None:
        return Received(duplicate, duplicate.order, created=False)
    try:
        with transaction.atomic():
            return _store(inbound, now)
    except IntegrityError:
        # Another worker stored the same delivery between our check and our insert.
        duplicate = _existing(inbound)
        if duplicate is None:
            raise
        return Received(duplicate, duplicate.order, created=False)


def _store(inbound: Inbound, now) -> Received:
    conversation, _created = Conversation.objects.select_for_update().get_or_create(
        channel=inbound.channel, address=inbound.address[:200], defaults={"created_at": now}
    )
    order = inbound.order or (None if inbound.new_thread else _open_order_of(conversation))
    new_order = order is None
    if new_order:
        # `intake` holds fields already validated by the channel (IntakeForm-clean values).
        data = {
            "phone": inbound.phone,
            "name": inbound.name[:100],
            "order_type": OrderType.OTHER,
            "urgency": "normal",
            **inbound.intake,
            "channel": inbound.channel,
            "title": _title(inbound),
            "content": inbound.body[:MAX_BODY],
        }
        order = create_order(None, data, now)
        TrackingCode.objects.create(order=order)
    else:
        WorkOrderEvent.objects.create(
            order=order, action="citizen_message", from_state=order.state, to_state=order.state,
            note=inbound.body[:500], data={"channel": inbound.channel}, created_at=now,
        )
    conversation.order, conversation.last_message_at = order, now
    conversation.save(update_fields=["order", "last_message_at"])
    message = Message.objects.create(
        conversation=conversation,
        channel=inbound.channel,
        direction=Direction.INBOUND,
        external_id=inbound.external_id[:255],
        idempotency_key=inbound.idempotency_key[:255],
        sender=inbound.address[:200],
        subject=inbound.subject[:300],
        body=inbound.body[:MAX_BODY],
        payload=inbound.payload,
        status=MessageStatus.PROCESSED,
        order=order,
        received_at=now,
        created_at=now,
    )
    return Received(message, order, created=True, new_order=new_order)
