from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from rexian.core.audit import AuditAction, record
from rexian.core.audit_changes import MASKED_FIELDS, changes, describe, snapshot
from rexian.core.models import AuditEntry

admin.site.site_header = "Rexian 热线平台管理"
admin.site.site_title = "Rexian 管理"
admin.site.index_title = "系统管理"


class AuditedAdmin(admin.ModelAdmin):
    """Admin whose every add, change and delete lands in the searchable audit log, old → new value by value."""

    audit_masked_fields = MASKED_FIELDS

    def save_model(self, request, obj, form, change):
        before = snapshot(type(obj)._base_manager.get(pk=obj.pk)) if change else {}
        super().save_model(request, obj, form, change)
        if form is None:  # an admin action saving directly: no related objects follow
            self._audit_save(request, obj, before, change)
        else:
            form.audit_before = before  # many-to-many values are saved later, by save_related()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        self._audit_save(request, form.instance, form.audit_before, change)

    def delete_model(self, request, obj):
        self._audit_delete(request, obj, "管理后台删除")
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self._audit_delete(request, obj, "管理后台批量删除")
        super().delete_queryset(request, queryset)

    def _audit_save(self, request, obj, before, change):
        action, verb = (AuditAction.CHANGE, "管理后台修改") if change else (AuditAction.CREATE, "管理后台新建")
        self._audit(request, action, obj, verb, before, snapshot(obj))

    def _audit_delete(self, request, obj, verb):
        self._audit(request, AuditAction.DELETE, obj, verb, snapshot(obj), {})

    def _audit(self, request, action, obj, verb, before, after):
        rows = changes(type(obj), before, after, self.audit_masked_fields)
        summary = f"{verb} {obj}：{describe(rows)}" if rows else f"{verb} {obj}"
        record(request.user, action, obj, summary=summary, request=request, changes=rows)


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
    exclude = ("changes",)
    readonly_fields = ("changes_table",)

    @admin.display(description=_("改动"))
    def changes_table(self, entry):
        if not entry.changes:
            return "—"
        rows = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((row["label"], row["old"] or "—", row["new"] or "—") for row in entry.changes),
        )
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>",
            _("字段"), _("原值"), _("新值"), rows,
        )
