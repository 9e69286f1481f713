from django.contrib import admin

from rexian.core.admin import AuditedAdmin
from rexian.directory.models import Category, Department


class TreeAdmin(AuditedAdmin):
    list_display = ("indented_name", "code", "active")
    list_filter = ("active", "depth")
    search_fields = ("code", "name")
    autocomplete_fields = ("parent",)
    ordering = ("path",)

    @admin.display(description="名称", ordering="path")
    def indented_name(self, obj):
        return f"{'　' * (obj.depth - 1)}{obj.name}"


@admin.register(Department)
class DepartmentAdmin(TreeAdmin):
    list_display = ("indented_name", "code", "level", "area_code", "phone", "active")
    list_filter = ("active", "level")


@admin.register(Category)
class CategoryAdmin(TreeAdmin):
    pass
