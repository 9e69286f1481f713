from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "rexian.dashboards"
    verbose_name = "统计看板"
