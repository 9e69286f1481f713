from django.contrib import admin

from rexian.core.audit import AuditAction, record
from rexian.core.models import AuditEntry

admin.site.site_header = "Rexian 热线平台管理"
admin.site.site_title = "Rexian 管理"
admin.site.index_title = "系统管理"


class AuditedAdmin(admin.ModelAdmin):
    """Admin whose every save and delete also lands in the searchable audit log."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        fields = ", ".join(form.changed_data) if change else "新建"
        record(request.user, AuditAction.CHANGE, obj, summary=f"管理后台修改 {obj}：{fields}", request=request)

    def delete_model(self, request, obj):
        record(request.user, AuditAction.DELETE, obj, summary=f"管理后台删除 {obj}", request=request)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            record(request.user, AuditAction.DELETE, obj, summary=f"管理后台批量删除 {obj}", request=request)
        super().delete_queryset(request, queryset)


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records that are only ever appended by the system (events, audit)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "actor_name", "action", "object_type", "object_id", "summary", "ip", "via")
    list_filter = ("action", "via", "object_type")
    search_fields = ("actor_name", "object_id", "summary", "ip")
    date_hierarchy = "created_at"
