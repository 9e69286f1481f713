"""The web UI for work orders: pages render, the workflow service decides."""

from rexian.orders.views.dashboard import notifications, notifications_read, overview
from rexian.orders.views.detail import detail, perform_action
from rexian.orders.views.intake import caller_history, intake, similar_orders
from rexian.orders.views.lists import home, order_list

__all__ = [
    "caller_history",
    "detail",
    "home",
    "intake",
    "notifications",
    "notifications_read",
    "order_list",
    "overview",
    "perform_action",
    "similar_orders",
]
