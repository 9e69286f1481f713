from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "rexian.orders"
    verbose_name = "工单"

    def ready(self):
        from rexian.orders.models import DeadlinePolicy
        from rexian.orders.services.deadlines import policies

        policies.clear_on_change(DeadlinePolicy)
