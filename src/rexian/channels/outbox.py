"""Answers going back out on the channel a request came from: the database is the outbox.

`enqueue()` writes a queued message in the caller's transaction (so an answer
and its outbound message commit together); `drain()` claims due messages one
at a time with a conditional UPDATE, sends them through the channel's gateway,
and retries failures with exponential backoff. A message is claimed by one
worker only; each gateway passes our message id to the provider as its
idempotency key where the provider has one, so a crash between "sent" and
"marked sent" does not produce a second copy there.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from rexian.channels.models import Conversation, Direction, Message, MessageStatus

log = logging.getLogger("rexian.channels")

MAX_ATTEMPTS = 8
CLAIM_LEASE = timedelta(minutes=5)  # a claim older than this was lost with its worker


class GatewayError(Exception):
    def __init__(self, message: str, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


# channel → send(message) returning the provider's message id; filled by gateways.register().
GATEWAYS: dict[str, Callable[[Message], str]] = {}


def register(channel: str, send: Callable[[Message], str]) -> None:
    GATEWAYS[channel] = send


def enqueue(
    conversation: Conversation, body: str, subject: str = "", in_reply_to: Message | None = None, now=None, order=None
) -> Message:
    """`order` defaults to the conversation's newest; pass it when answering an older one."""
    now = now or timezone.now()
    return Message.objects.create(
        conversation=conversation,
        channel=conversation.channel,
        direction=Direction.OUTBOUND,
        recipient=conversation.address,
        subject=subject[:300],
        body=body,
        status=MessageStatus.QUEUED,
        order=order or conversation.order,
        in_reply_to=in_reply_to,
        next_attempt_at=now,
        created_at=now,
    )


def resend_failed(order, now) -> list[int]:
    """Queue the order's undelivered answers again, with a fresh round of retries.

    For an outage that outlasted MAX_ATTEMPTS. The message keeps its id, so a
    provider that did take an earlier attempt sees the same idempotency key.
    """
    failed = Message.objects.undelivered().filter(order=order)
    ids = list(failed.values_list("pk", flat=True))
    failed.filter(pk__in=ids).update(status=MessageStatus.QUEUED, attempts=0, next_attempt_at=now)
    return ids


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, … capped at 1 h."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def due(waiting: str, working: str, now) -> Q:
    """Rows to work on: waiting and due, or taken by a worker that has not come back within CLAIM_LEASE."""
    return Q(status=waiting, next_attempt_at__lte=now) | Q(status=working, next_attempt_at__lte=now - CLAIM_LEASE)


def claim(rows, due_now: Q, **changes) -> int | None:
    """The pk of the first due row of `rows` this worker took, with `changes` applied, or None.

    The conditional UPDATE is the lock: of two workers after one row, one
    changes it and the other changes nothing and tries the next.
    """
    for pk, status in rows.filter(due_now).order_by("next_attempt_at").values_list("pk", "status")[:20]:
        if rows.filter(due_now, pk=pk, status=status).update(**changes):
            return pk
    return None


def _claim(now) -> Message | None:
    pk = claim(
        Message.objects.filter(direction=Direction.OUTBOUND),
        due(MessageStatus.QUEUED, MessageStatus.SENDING, now),
        status=MessageStatus.SENDING,
        next_attempt_at=now,
    )
    return Message.objects.select_related("conversation").get(pk=pk) if pk else None


@dataclass
class DrainResult:
    sent: int = 0
    failed: int = 0
    retried: int = 0


def drain(now=None, limit: int = 100) -> DrainResult:
    result = DrainResult()
    for _ in range(limit):
        message = _claim(now or timezone.now())
        if message is None:
            break
        _send(message, result)
    return result


def _send(message: Message, result: DrainResult) -> None:
    send = GATEWAYS.get(message.channel)
    message.attempts += 1
    try:
        if send is None:
            raise GatewayError(f"渠道 {message.channel} 没有配置发送网关", permanent=True)
        external_id = send(message)
    except GatewayError as error:
        permanent = error.permanent or message.attempts >= MAX_ATTEMPTS
        message.last_error = str(error)[:500]
        message.status = MessageStatus.FAILED if permanent else MessageStatus.QUEUED
        message.next_attempt_at = None if permanent else timezone.now() + backoff(message.attempts)
        log.warning("outbound message %s attempt %s failed: %s", message.pk, message.attempts, error)
        if permanent:
            result.failed += 1
        else:
            result.retried += 1
    else:
        message.status, message.sent_at, message.external_id = MessageStatus.SENT, timezone.now(), (external_id or "")[:255]
        message.last_error, message.next_attempt_at = "", None
        result.sent += 1
    with transaction.atomic():
        message.save(update_fields=["attempts", "status", "sent_at", "external_id", "last_error", "next_attempt_at"])
