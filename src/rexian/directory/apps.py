from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "rexian.directory"
    verbose_name = "单位与分类"
