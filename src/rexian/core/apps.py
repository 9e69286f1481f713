from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "rexian.core"
    verbose_name = "核心"

    def ready(self):
        from rexian.core import signals  # noqa: F401  (login audit)
