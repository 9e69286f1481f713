from django.apps import AppConfig


class CallbacksConfig(AppConfig):
    name = "rexian.callbacks"
    verbose_name = "回访"
