from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "rexian.directory"
    verbose_name = "单位与分类"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from rexian.directory.cache import categories
        from rexian.directory.models import Category

        post_save.connect(categories.clear_now_and_after_commit, sender=Category, dispatch_uid="categories-cache")
        post_delete.connect(categories.clear_now_and_after_commit, sender=Category, dispatch_uid="categories-cache-del")
