from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "rexian.directory"
    verbose_name = "单位与分类"

    def ready(self):
        from rexian.directory.cache import categories
        from rexian.directory.models import Category

        categories.clear_on_change(Category)
