from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "rexian.orders"
    verbose_name = "工单"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from rexian.directory.models import Category
        from rexian.orders.models import DeadlinePolicy
        from rexian.orders.services import deadlines

        for model in (DeadlinePolicy, Category):
            post_save.connect(deadlines.clear_cache, sender=model, dispatch_uid=f"deadlines-{model.__name__}")
            post_delete.connect(deadlines.clear_cache, sender=model, dispatch_uid=f"deadlines-del-{model.__name__}")
