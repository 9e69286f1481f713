"""Hot issues (热点) among the centre's own recent orders, for supervisors.

Clustering is rexian.nlp.hotspots; here the orders of a window become its
messages (the caller's phone as the author, so one person calling five times
counts once). The result is cached for a few minutes: it is a survey, not a queue.
"""

from datetime import timedelta

from django.core.cache import cache
from django.utils import timezone

from rexian.nlp.hotspots import HotspotMessage, find_hot_issues
from rexian.orders.models import WorkOrder

MAX_ORDERS = 20000
CACHE_SECONDS = 600


def hot_issues(days: int = 7, limit: int = 20, now=None):
    now = now or timezone.now()
    bucket = now.replace(minute=now.minute // 10 * 10, second=0, microsecond=0)  # one entry per 10 minutes
    key = f"rexian:hot-issues:{days}:{limit}:{bucket:%Y%m%d%H%M}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    since = now - timedelta(days=days)
    rows = (
        WorkOrder.objects.filter(created_at__gte=since, created_at__lte=now)
        .exclude(state="voided")
        .order_by("-created_at")
        .values_list("pk", "title", "content", "created_at", "contact_phone")[:MAX_ORDERS]
    )
    messages = [HotspotMessage(pk, title, content, created, author=phone) for pk, title, content, created, phone in rows]
    issues = find_hot_issues(messages, window=(since, now))[:limit] if messages else []
    cache.set(key, issues, CACHE_SECONDS)
    return issues


def orders_of(issue):
    return WorkOrder.objects.filter(pk__in=issue.message_ids).select_related("current_unit").order_by("-created_at")
