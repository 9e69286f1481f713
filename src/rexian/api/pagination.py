"""Keyset pagination, newest first, on (created_at, id).

An OFFSET makes the database walk every skipped row, so page 5,000 of a
million orders is slow; a cursor that names the last row seen starts the next
page with an index range scan, and rows inserted meanwhile never shift a page.
"""

import base64
from datetime import UTC, datetime, timedelta

from django.utils.translation import gettext as _

from rexian.api.errors import invalid_input

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def encode_cursor(created_at: datetime, pk: int) -> str:
    micros = (created_at - _EPOCH) // _MICROSECOND  # exact, unlike float timestamps
    return base64.urlsafe_b64encode(f"{micros}.{pk}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        micros, pk = (int(part) for part in raw.split("."))
        if not 0 < pk < 2**63:  # beyond a bigint the database itself would fail
            raise ValueError(pk)
        return _EPOCH + micros * _MICROSECOND, pk
    except (ValueError, UnicodeDecodeError, OverflowError, OSError):
        raise invalid_input(_("分页游标无效。"), {"cursor": [_("请使用上一页返回的 next_cursor。")]}) from None


def keyset_page(queryset, limit: int, cursor: str | None, on: str = "created_at") -> tuple[list, str | None]:
    """One page of `queryset` newest first by the datetime field `on` (then id), and the
    cursor of the next page (None on the last)."""
    queryset = queryset.order_by(f"-{on}", "-pk")
    if cursor:
        at, pk = decode_cursor(cursor)
        # (on, id) < (at, pk), written so an index on `on` bounds the scan.
        queryset = queryset.filter(**{f"{on}__lte": at}).exclude(**{on: at, "pk__gte": pk})
    rows = list(queryset[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], encode_cursor(getattr(last, on), last.pk)
