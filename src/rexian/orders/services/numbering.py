"""Human-readable order numbers: 20261128-00017, one sequence per local day."""

from django.db import connection
from django.utils import timezone

from rexian.orders.models import DailySequence

_NEXT = (
    f"INSERT INTO {DailySequence._meta.db_table} (day, last) VALUES (%s, 1) "
    f"ON CONFLICT (day) DO UPDATE SET last = {DailySequence._meta.db_table}.last + 1 RETURNING last"
)


def next_number(now=None) -> str:
    """Take the next number for today, in one statement (PostgreSQL and SQLite ≥ 3.35).

    Runs inside the caller's transaction: the upsert locks today's row until
    the intake commits, and a rolled-back intake gives its number back.
    """
    day = timezone.localdate(now or timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(_NEXT, [day])
        (last,) = cursor.fetchone()
    return f"{day:%Y%m%d}-{last:05d}"
