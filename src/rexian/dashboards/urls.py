from django.urls import path

from rexian.dashboards import views

app_name = "dashboards"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("units/", views.units, name="units"),
    path("categories/", views.categories, name="categories"),
    path("calls/", views.calls, name="calls"),
    path("monitoring/", views.monitoring_page, name="monitoring"),
]
