"""The home workbench and the order list."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from rexian.orders import queues
from rexian.orders.models import WorkOrder
from rexian.orders.views.base import INTAKE_ROLES, OVERVIEW_ROLES


@login_required
def home(request):
    """The role's queues with counts, its most pressing orders and unread notifications."""
    user = request.user
    return render(
        request,
        "orders/home.html",
        {
            "board": queues.board(user),
            "worklist": queues.worklist(user),
            "notifications": queues.notifications_for(user).filter(read_at__isnull=True)[:8],
            "can_intake": user.has_role(*INTAKE_ROLES),
            "can_overview": user.has_role(*OVERVIEW_ROLES),
        },
    )


@login_required
def order_list(request):
    filters = queues.OrderFilterForm(request.GET, user=request.user)
    orders = filters.apply(queues.with_list_relations(WorkOrder.objects.visible_to(request.user)))
    page = queues.page_of(orders.order_by("-created_at", "-id"), request.GET.get("page"))
    queue = queues.QUEUES.get(filters.values().get("queue", ""))
    return render(request, "orders/list.html", {"filters": filters, "page": page, "queue": queue})
