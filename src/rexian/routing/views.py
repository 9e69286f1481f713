"""Supervisor pages of the routing app: hot issues with their orders, and routing accuracy."""

from datetime import timedelta

from django.shortcuts import render
from django.utils import timezone

from rexian.accounts.roles import Role
from rexian.orders.views.base import role_required
from rexian.routing import accuracy
from rexian.routing.hotissues import hot_issue_survey, orders_of

WINDOWS = (1, 7, 30)
DEFAULT_WINDOW = 7


@role_required(Role.SUPERVISOR, Role.DISPATCHER)
def hot_issue_list(request):
    # Only the offered windows: anything else (?days=², ?days=abc, ?days=3) falls back with a notice.
    asked = request.GET.get("days", str(DEFAULT_WINDOW))
    days = next((d for d in WINDOWS if asked == str(d)), None)
    survey = hot_issue_survey(days or DEFAULT_WINDOW)
    return render(request, "routing/hot_issues.html", {
        "issues": [(issue, orders_of(issue)[:10]) for issue in survey.issues],
        "survey": survey,
        "days": survey.days,
        "windows": WINDOWS,
        "invalid_days": asked if days is None else None,
    })


ACCURACY_WINDOWS = (30, 90, 365)


@role_required(Role.SUPERVISOR)
def accuracy_page(request):
    """Production accuracy per kind and model version, the versions in use and why not others."""
    asked = request.GET.get("days", "")
    days = next((d for d in ACCURACY_WINDOWS if asked == str(d)), None)
    since = timezone.now() - timedelta(days=days) if days else None
    return render(request, "routing/accuracy.html", {
        "kinds": accuracy.overview(since),
        "days": days,
        "windows": ACCURACY_WINDOWS,
        "invalid_days": asked if asked and days is None else None,
    })
