from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "rexian.routing"
    verbose_name = "派单目录与智能分派"

    def ready(self):
        from rexian.routing import signals  # noqa: F401  (suggestion outcomes follow dispatch events)
