from django.contrib import admin
from django.urls import include, path

from rexian.orders.views import home

urlpatterns = [
    path("", home, name="home"),
    path("admin/", admin.site.urls),
    path("", include("rexian.accounts.urls")),
    path("orders/", include("rexian.orders.urls")),
    # API mounted here
]
