from django.contrib import admin

from rexian.callcentre.models import CallImport


@admin.register(CallImport)
class CallImportAdmin(admin.ModelAdmin):
    """Every import, with its errors: read-only, since the calls it added depend on it."""

    list_display = [
        "imported_at", "source", "file_name", "format", "status", "calls_added", "calls_skipped", "rows_rejected"
    ]  # fmt: skip
    list_filter = ["status", "format", "source"]
    search_fields = ["file_name", "sha256"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
