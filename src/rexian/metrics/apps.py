from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "rexian.metrics"
    verbose_name = "运行指标与考核"
