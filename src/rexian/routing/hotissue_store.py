"""The week's hot issues, stored for the supervisor overview.

Clustering a week of orders takes seconds, too long for a page view, and the
default cache is per process (no CACHES setting: LocMemCache), so a survey one
web process computed would not help the next request served by another. The
worker therefore computes it (`refresh`, every 10 minutes) and writes it as
JSON into the data directory, which every process of an installation already
shares (database file, media, secret key). The file holds order ids, not
orders: the overview lists them live, through visible_to, with their state.
"""

import json
import os
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from rexian.orders.models import WorkOrder
from rexian.routing.hotissues import hot_issue_survey

DAYS = 7
TOP = 5
ORDERS_PER_ISSUE = 5  # the newest orders listed under each issue; the full page lists more
# The worker stores a survey every 10 minutes; an older one means the worker is not
# running, and the overview offers to compute one instead of showing stale heat.
MAX_AGE = timedelta(minutes=30)


def path() -> Path:
    return Path(settings.DATA_DIR) / "cache" / f"hot-issues-{DAYS}d.json"


def refresh() -> str:
    """Compute the survey of the last DAYS days and store its top issues (a worker job)."""
    survey = hot_issue_survey(DAYS)
    data = {
        "computed_at": survey.until,
        "days": survey.days,
        "since": survey.since,
        "orders": survey.orders,
        "cut": survey.cut,
        "issues": [
            {
                "title": issue.title,
                "size": issue.size,
                "reporters": issue.reporters,
                "growth": issue.growth,
                "heat": issue.heat,
                "keywords": list(issue.keywords),
                "ids": list(issue.message_ids),
            }
            for issue in survey.issues[:TOP]
        ],
    }
    target = path()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}")
    partial.write_text(json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False), encoding="utf-8")
    os.replace(partial, target)  # atomic: a reader sees the previous survey or this one, never half of one
    return f"{len(data['issues'])} hot issues among {survey.orders} orders"


def stored(now=None) -> dict | None:
    """The stored survey, or None when there is none or it is older than MAX_AGE."""
    try:
        data = json.loads(path().read_text(encoding="utf-8"))
        data["computed_at"], data["since"] = parse_datetime(data["computed_at"]), parse_datetime(data["since"])
    except (OSError, ValueError, KeyError, TypeError):  # absent, or written by another version: compute anew
        return None
    if data["computed_at"] is None or (now or timezone.now()) - data["computed_at"] > MAX_AGE:
        return None
    return data


def visible_rows(survey: dict, user) -> list[dict]:
    """The stored issues with their newest orders that `user` may see; issues with none are left out."""
    visible = WorkOrder.objects.visible_to(user).select_related("current_unit")
    rows = []
    for issue in survey["issues"]:
        orders = list(visible.filter(pk__in=issue["ids"]).order_by("-created_at", "-pk")[:ORDERS_PER_ISSUE])
        if orders:
            rows.append({**issue, "orders": orders})
    return rows
