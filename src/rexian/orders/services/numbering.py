"""Human-readable order numbers: 20261128-00017, one sequence per local day."""

from django.db import connection
from django.utils import timezone

from rexian.orders.models import DailySequence

_TABLE = DailySequence._meta.db_table
_ON_CONFLICT = f"ON CONFLICT (day) DO UPDATE SET last = {_TABLE}.last + 1 RETURNING last"
_NEXT = f"INSERT INTO {_TABLE} (day, last) VALUES (%s, 1) {_ON_CONFLICT}"
# PostgreSQL, outside a transaction: the statement is its own transaction, and
# set_config(..., true) turns off synchronous_commit for that transaction only.
_NEXT_WITHOUT_FLUSH = (
    f"INSERT INTO {_TABLE} (day, last) SELECT %s::date, 1 "
    f"FROM (SELECT set_config('synchronous_commit', 'off', true)) AS without_flush {_ON_CONFLICT}"
)


def next_number(now=None) -> str:
    """Take the next number for the local day of `now`, in one statement
    (PostgreSQL and SQLite ≥ 3.35).

    The upsert locks the day's row until its transaction ends, so the day's
    intakes queue for that lock. Inside a caller's transaction the number is
    part of it, and a rolled-back intake gives its number back. Outside one,
    the statement is a transaction of its own, on PostgreSQL committed without
    waiting for the disk (synchronous_commit off): the lock is then held for
    one statement instead of a whole intake and its commit, and at ~200
    intakes a second the queue for it had been the limit. An intake that fails
    after that leaves a gap in the day's numbers. No number is given twice,
    even after a crash: the write-ahead log is flushed in order, so the
    synchronous commit of the order that uses a number makes the number's own
    commit durable first.
    """
    day = timezone.localdate(now or timezone.now())
    own = not connection.in_atomic_block
    statement = _NEXT_WITHOUT_FLUSH if own and connection.vendor == "postgresql" else _NEXT
    with connection.cursor() as cursor:
        cursor.execute(statement, [day])
        (last,) = cursor.fetchone()
    return f"{day:%Y%m%d}-{last:05d}"
