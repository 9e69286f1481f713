"""First response (首次响应) on the written channels, against GB/T 33358-2016's limits.

The standard asks that SMS and the other media are answered within 3 minutes
and the mailbox within 24 hours. What counts as the answer is the first
outbound message that actually left: the acknowledgement with the order
number and tracking code (queued by `acknowledge` for SMS and e-mail, sent by
the worker), or WeChat's passive reply (recorded by `record_reply` as sent at
the moment the HTTP response went out).

The unit measured is one request: an order and the conversation it came in
on. Its clock starts at the first inbound message of that order on that
conversation and stops at the first outbound message sent on it. Requests
still unanswered count against the share once their limit has passed, and are
left out while they still have time.
"""

import math
import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from rexian.channels import outbox
from rexian.channels.models import Direction, Message, MessageStatus

# Minutes; settings.REXIAN_FIRST_RESPONSE_MINUTES overrides any of them.
DEFAULT_LIMITS = {"sms": 3, "wechat": 3, "web": 3, "app": 3, "email": 24 * 60}
ACKNOWLEDGED_CHANNELS = ("sms", "email")


def limits() -> dict[str, int]:
    return {**DEFAULT_LIMITS, **getattr(settings, "REXIAN_FIRST_RESPONSE_MINUTES", {})}


# ---------------------------------------------------------------- the first response itself


def is_new_order(received) -> bool:
    """Did this delivery open an order (rather than join one)?"""
    return bool(received.created and received.new_order)


def acknowledgement_text(order, channel: str) -> str:
    code = getattr(getattr(order, "tracking", None), "code", "")
    if channel == "sms":
        return _("【12345热线】您的诉求已受理，工单号%(n)s，查询码%(c)s。办理结果将以短信答复。") % {"n": order.number, "c": code}
    if channel != "email":
        return _("您的诉求已受理，工单号 %(n)s，查询码 %(c)s。可凭查询码和联系电话查询办理进度。") % {"n": order.number, "c": code}
    return _(
        "您好！\n\n您的来信已受理，工单号 %(n)s，查询码 %(c)s。\n"
        "承办单位答复后，我们将回复到本邮箱。补充情况请直接回复本邮件（请保留主题中的工单号）。\n\n"
        "12345 政务服务便民热线\n（本邮件由系统自动发送）"
    ) % {"n": order.number, "c": code}


def acknowledge(received, now=None) -> Message | None:
    """Queue the acknowledgement (with the tracking code) for a new SMS or e-mail order.

    Call it in the transaction that stored the message, so the order and its
    acknowledgement commit together or not at all.
    """
    message = received.message
    if message.channel not in ACKNOWLEDGED_CHANNELS or not is_new_order(received):
        return None
    subject = _("已受理：%(t)s") % {"t": received.order.title} if message.channel == "email" else ""
    ack = outbox.enqueue(
        message.conversation, acknowledgement_text(received.order, message.channel), subject=subject,
        in_reply_to=message, now=now,
    )
    ack.payload = {"kind": "ack"}
    ack.save(update_fields=["payload"])
    return ack


def record_reply(received, body: str, now=None) -> Message:
    """A reply given in the response to the citizen's own request (WeChat's passive reply): already sent.

    Keyed by the inbound message, so a repeated delivery finds the first reply
    and answers with the same words.
    """
    now = now or timezone.now()
    inbound = received.message
    key = f"reply-to:{inbound.pk}"
    existing = Message.objects.filter(channel=inbound.channel, direction=Direction.OUTBOUND, idempotency_key=key).first()
    if existing is not None:
        return existing
    return Message.objects.create(
        conversation=inbound.conversation,
        channel=inbound.channel,
        direction=Direction.OUTBOUND,
        idempotency_key=key,
        recipient=inbound.sender,
        body=body,
        payload={"kind": "passive_reply"},
        status=MessageStatus.SENT,
        order=received.order,
        in_reply_to=inbound,
        sent_at=now,
        created_at=now,
    )


# ---------------------------------------------------------------- measuring it


@dataclass
class Response:
    conversation_id: int
    order_id: int
    channel: str
    received_at: datetime
    responded_at: datetime | None
    limit: timedelta

    @property
    def seconds(self) -> float | None:
        if self.responded_at is None:
            return None
        return max((self.responded_at - self.received_at).total_seconds(), 0.0)

    def within(self, now) -> bool | None:
        """True/False once decided; None while unanswered and still within the limit."""
        if self.responded_at is not None:
            return self.responded_at - self.received_at <= self.limit
        return False if now - self.received_at > self.limit else None


@dataclass
class ChannelFigures:
    channel: str
    limit_minutes: int
    requests: int = 0
    answered: int = 0
    within: int = 0
    pending: int = 0  # unanswered, limit not yet reached: not counted in the share
    median_seconds: float | None = None
    p90_seconds: float | None = None
    seconds: list[float] = field(default_factory=list, repr=False)

    @property
    def decided(self) -> int:
        return self.requests - self.pending

    @property
    def share_within(self) -> float | None:
        """Answered within the limit / requests decided (answered, or unanswered past the limit)."""
        return self.within / self.decided if self.decided else None


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least `fraction` of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(fraction * len(ordered)), 1) - 1]


def responses(start=None, end=None, channel: str | None = None) -> list[Response]:
    """Every request whose first inbound message arrived in [start, end)."""
    table = limits()
    inbound = Message.objects.filter(direction=Direction.INBOUND, order__isnull=False, received_at__isnull=False)
    if channel:
        inbound = inbound.filter(channel=channel)
    firsts = inbound.values("conversation_id", "order_id", "channel").annotate(first=Min("received_at"))
    if start is not None:
        firsts = firsts.filter(first__gte=start)
    if end is not None:
        firsts = firsts.filter(first__lt=end)
    firsts = list(firsts)
    answered = {}
    if firsts:
        sent = Message.objects.filter(
            direction=Direction.OUTBOUND, sent_at__isnull=False,
            conversation_id__in={row["conversation_id"] for row in firsts},
        ).values("conversation_id", "order_id").annotate(first=Min("sent_at"))
        answered = {(row["conversation_id"], row["order_id"]): row["first"] for row in sent}
    return [
        Response(
            conversation_id=row["conversation_id"],
            order_id=row["order_id"],
            channel=row["channel"],
            received_at=row["first"],
            responded_at=answered.get((row["conversation_id"], row["order_id"])),
            limit=timedelta(minutes=table.get(row["channel"], DEFAULT_LIMITS["sms"])),
        )
        for row in firsts
    ]


def conversation_first_response(conversation) -> timedelta | None:
    """First outbound sent − first inbound received on one conversation (None: not answered yet)."""
    messages = Message.objects.filter(conversation=conversation)
    first_in = messages.filter(direction=Direction.INBOUND).aggregate(at=Min("received_at"))["at"]
    first_out = messages.filter(direction=Direction.OUTBOUND, sent_at__isnull=False).aggregate(at=Min("sent_at"))["at"]
    if first_in is None or first_out is None:
        return None
    return first_out - first_in


def by_channel(start=None, end=None, now=None) -> dict[str, ChannelFigures]:
    """Share within the limit, median and p90 (seconds) per channel, for requests received in [start, end)."""
    now = now or timezone.now()
    table = limits()
    figures: dict[str, ChannelFigures] = {}
    for response in responses(start, end):
        row = figures.setdefault(
            response.channel, ChannelFigures(response.channel, table.get(response.channel, DEFAULT_LIMITS["sms"]))
        )
        row.requests += 1
        verdict = response.within(now)
        if verdict is None:
            row.pending += 1
        elif verdict:
            row.within += 1
        if response.seconds is not None:
            row.answered += 1
            row.seconds.append(response.seconds)
    for row in figures.values():
        if row.seconds:
            row.median_seconds = statistics.median(row.seconds)
            row.p90_seconds = percentile(row.seconds, 0.9)
    return dict(sorted(figures.items()))
