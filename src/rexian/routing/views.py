"""Supervisor pages of the routing app: hot issues with their orders."""

from django.shortcuts import render

from rexian.accounts.roles import Role
from rexian.orders.views.base import role_required
from rexian.routing.hotissues import hot_issues, orders_of

WINDOWS = (1, 7, 30)


@role_required(Role.SUPERVISOR, Role.DISPATCHER)
def hot_issue_list(request):
    days = int(request.GET.get("days", 7)) if request.GET.get("days", "7").isdigit() else 7
    days = days if days in WINDOWS else 7
    issues = [(issue, orders_of(issue)[:10]) for issue in hot_issues(days)]
    return render(request, "routing/hot_issues.html", {"issues": issues, "days": days, "windows": WINDOWS})
