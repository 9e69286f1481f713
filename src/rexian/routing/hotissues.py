"""Hot issues (热点) among the centre's own recent orders, for supervisors.

Clustering is rexian.nlp.hotspots; here the orders of a window become its
messages (the caller's phone as the author, so one person calling five times
counts once). No channel records citizens' votes (点赞) on orders, so every
message has 0 likes and heat rests on reporters and growth.

At most ``MAX_ORDERS`` orders are read, the newest first. When a busy window
has more, the window is cut to start at the oldest order read, so growth
compares the recent part with an earlier part that was read in full; the
page and the API say so. The result is cached for a few minutes: it is a
survey, not a queue.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache
from django.utils import timezone

from rexian.nlp.hotspots import HotIssue, HotspotMessage, find_hot_issues
from rexian.orders.models import WorkOrder

MAX_ORDERS = 20000
CACHE_SECONDS = 600


@dataclass(frozen=True)
class HotIssueSurvey:
    """Hot issues of a window, and the window actually clustered."""

    issues: list[HotIssue]
    days: int
    since: datetime  # start of the window clustered: later than now - days when cut
    until: datetime
    orders: int  # orders read
    cut: bool  # more than MAX_ORDERS orders in the window: its oldest part was left out


def hot_issue_survey(days: int = 7, limit: int = 20, now=None) -> HotIssueSurvey:
    now = now or timezone.now()
    bucket = now.replace(minute=now.minute // 10 * 10, second=0, microsecond=0)  # one entry per 10 minutes
    key = f"rexian:hot-issue-survey:{days}:{limit}:{bucket:%Y%m%d%H%M}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    since = now - timedelta(days=days)
    rows = list(
        WorkOrder.objects.filter(created_at__gte=since, created_at__lte=now)
        .exclude(state="voided")
        .order_by("-created_at", "-pk")
        .values_list("pk", "title", "content", "created_at", "contact_phone")[: MAX_ORDERS + 1]
    )
    cut = len(rows) > MAX_ORDERS
    if cut:
        rows = rows[:MAX_ORDERS]
        # Growth compares the last quarter of the window with the rest; a
        # window whose oldest part was not read would look like steep growth.
        since = rows[-1][3]
    messages = [HotspotMessage(pk, title, content, created, author=phone) for pk, title, content, created, phone in rows]
    issues = find_hot_issues(messages, window=(since, now))[:limit] if messages else []
    survey = HotIssueSurvey(issues=issues, days=days, since=since, until=now, orders=len(messages), cut=cut)
    cache.set(key, survey, CACHE_SECONDS)
    return survey


def orders_of(issue):
    return WorkOrder.objects.filter(pk__in=issue.message_ids).select_related("current_unit").order_by("-created_at")
