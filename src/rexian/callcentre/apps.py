from django.apps import AppConfig


class CallcentreConfig(AppConfig):
    name = "rexian.callcentre"
    verbose_name = "话务统计"
