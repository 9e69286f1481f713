"""The supervisor's overview and the notifications inbox."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from rexian.orders import queues
from rexian.orders.models import WorkOrder
from rexian.orders.views.base import OVERVIEW_ROLES, role_required
from rexian.routing import hotissue_store

DUE_SOON_LIMIT = 15


@role_required(*OVERVIEW_ROLES)
def overview(request):
    now = timezone.now()
    orders = WorkOrder.objects.visible_to(request.user)
    days = queues.daily_intake(orders, now=now)
    peak = max(count for _day, count in days) or 1
    overdue_units = queues.overdue_by_unit(orders, now)
    survey = hotissue_store.stored(now)
    if survey is None and request.GET.get("hot") == "1":  # the supervisor asked for it: seconds on a big window
        hotissue_store.refresh()
        survey = hotissue_store.stored()
    return render(
        request,
        "orders/overview.html",
        {
            "states": queues.state_counts(orders),
            "overdue_units": overdue_units,
            "overdue_peak": max((row["n"] for row in overdue_units), default=1),
            "due_soon": queues.with_list_relations(orders.due_soon(now)).order_by("due_at")[:DUE_SOON_LIMIT],
            "supervisions": queues.recent_supervisions(request.user),
            "days": [(day, count, round(100 * count / peak)) for day, count in days],
            "days_total": sum(count for _day, count in days),
            "peak": peak,
            "hot_days": hotissue_store.DAYS,
            "hot_survey": survey,
            "hot_issues": hotissue_store.visible_rows(survey, request.user) if survey else [],
        },
    )


# ---------------------------------------------------------------- notifications


@login_required
def notifications(request):
    items = queues.notifications_for(request.user).order_by("-created_at", "-id")
    return render(request, "orders/notifications.html", {"page": queues.page_of(items, request.GET.get("page"))})


@require_POST
@login_required
def notifications_read(request):
    """Mark one notification (``notification`` = id) or, without it, all of them as read."""
    pk = request.POST.get("notification")
    if pk is not None and not (pk.isascii() and pk.isdigit()):
        raise Http404(pk)
    queues.mark_read(request.user, int(pk) if pk else None)
    return redirect("orders:notifications")
