from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("rexian.accounts.urls")),
    path("orders/", include("rexian.orders.urls")),
]
