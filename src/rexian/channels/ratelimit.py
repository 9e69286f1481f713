"""Fixed-window rate limits shared by every web process, kept in the database.

Django's default cache is per process (LocMemCache), so a limit kept there
would let a client through N times per server worker. A small table
(`RateLimitHit`) counts instead: one row per key and window, incremented with
a single UPDATE, so concurrent requests never lose a count. Keys are HMACs of
the scope and the identifier (client address, phone number, tracking code):
the table never holds personal data in clear, and rows older than two days
are deleted as new windows open.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac

from rexian.channels.models import RateLimitHit

KEEP = timedelta(days=2)  # longer than the longest window in use


@dataclass(frozen=True)
class Limit:
    scope: str  # e.g. "portal-submit-ip"
    count: int  # allowed hits per window
    seconds: int  # window length

    def key(self, identifier: str) -> str:
        return salted_hmac("rexian.channels.ratelimit", f"{self.scope}:{identifier}", algorithm="sha256").hexdigest()

    def window_start(self, now) -> datetime:
        epoch = int(now.timestamp())
        return datetime.fromtimestamp(epoch - epoch % self.seconds, tz=dt_timezone.utc)


def _current(limit: Limit, identifier: str, now) -> tuple[str, datetime]:
    return limit.key(identifier), limit.window_start(now or timezone.now())


def hits(limit: Limit, identifier: str, now=None) -> int:
    key, start = _current(limit, identifier, now)
    return RateLimitHit.objects.filter(key=key, window_start=start).values_list("hits", flat=True).first() or 0


def exceeded(limit: Limit, identifier: str, now=None) -> bool:
    """True when the window's budget is already spent (reads only)."""
    return hits(limit, identifier, now) >= limit.count


def hit(limit: Limit, identifier: str, now=None) -> bool:
    """Count one request; True while it is within the limit."""
    key, start = _current(limit, identifier, now)
    with transaction.atomic():
        if not RateLimitHit.objects.filter(key=key, window_start=start).update(hits=F("hits") + 1):
            try:
                with transaction.atomic():
                    RateLimitHit.objects.create(key=key, window_start=start, hits=1)
            except IntegrityError:
                # Another process opened the window between our UPDATE and INSERT.
                RateLimitHit.objects.filter(key=key, window_start=start).update(hits=F("hits") + 1)
            else:
                RateLimitHit.objects.filter(window_start__lt=start - KEEP).delete()
        count = RateLimitHit.objects.filter(key=key, window_start=start).values_list("hits", flat=True).get()
    return count <= limit.count
