"""Human-readable order numbers: 20261128-00017, one sequence per local day."""

from contextlib import nullcontext

from django.db import connection, transaction
from django.utils import timezone

from rexian.orders.models import DailySequence

_NEXT = (
    f"INSERT INTO {DailySequence._meta.db_table} (day, last) VALUES (%s, 1) "
    f"ON CONFLICT (day) DO UPDATE SET last = {DailySequence._meta.db_table}.last + 1 RETURNING last"
)


def next_number(now=None) -> str:
    """Take the next number for the local day of `now`, in one statement
    (PostgreSQL and SQLite ≥ 3.35).

    The upsert locks the day's row until its transaction ends, so the day's
    intakes queue for that lock. Inside a caller's transaction the number is
    part of it, and a rolled-back intake gives its number back. Outside one,
    the number is taken in a transaction of its own, on PostgreSQL committed
    without waiting for the disk (synchronous_commit off): the lock is then
    held for one statement instead of a whole intake and its commit, and at
    ~200 intakes a second the queue for it had been the limit. An intake that
    fails after that leaves a gap in the day's numbers. No number is given
    twice, even after a crash: the write-ahead log is flushed in order, so the
    synchronous commit of the order that uses a number makes the number's own
    commit durable first.
    """
    day = timezone.localdate(now or timezone.now())
    own = not connection.in_atomic_block
    with transaction.atomic() if own else nullcontext(), connection.cursor() as cursor:
        if own and connection.vendor == "postgresql":
            cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute(_NEXT, [day])
        (last,) = cursor.fetchone()
    return f"{day:%Y%m%d}-{last:05d}"
