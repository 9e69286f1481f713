from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "rexian.orders"
    verbose_name = "工单"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from rexian.orders.models import DeadlinePolicy
        from rexian.orders.services import deadlines

        post_save.connect(deadlines.clear_cache, sender=DeadlinePolicy, dispatch_uid="deadlines-DeadlinePolicy")
        post_delete.connect(deadlines.clear_cache, sender=DeadlinePolicy, dispatch_uid="deadlines-del-DeadlinePolicy")
