from django.urls import path

from rexian.orders import views

app_name = "orders"
urlpatterns = [
    path("", views.order_list, name="list"),
    path("intake/", views.intake, name="intake"),
    path("caller-history/", views.caller_history, name="caller_history"),
    path("similar/", views.similar_orders, name="similar"),
    path("overview/", views.overview, name="overview"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    # Order numbers look like 20261128-00017; the fixed paths above must come first.
    path("<str:number>/", views.detail, name="detail"),
    path("<str:number>/actions/<str:name>/", views.perform_action, name="action"),
]
