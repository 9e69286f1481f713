from django.contrib import admin

from rexian.core.admin import AuditedAdmin, ReadOnlyAdmin
from rexian.orders.models import DeadlinePolicy, WorkOrder, WorkOrderEvent


@admin.register(DeadlinePolicy)
class DeadlinePolicyAdmin(AuditedAdmin):
    list_display = (
        "name", "category", "order_type", "urgency", "accept_minutes", "accept_workdays",
        "handle_hours", "handle_workdays", "callback_workdays", "active",
    )
    list_filter = ("active", "order_type", "urgency")
    autocomplete_fields = ("category",)


class EventInline(admin.TabularInline):
    model = WorkOrderEvent
    fields = ("created_at", "action", "actor", "from_state", "to_state", "unit", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WorkOrder)
class WorkOrderAdmin(ReadOnlyAdmin):
    """Orders are changed only through the workflow; the admin shows them for reference."""

    list_display = ("number", "title", "order_type", "state", "current_unit", "due_at", "created_at")
    list_filter = ("state", "order_type", "channel", "urgency")
    search_fields = ("number", "title")
    date_hierarchy = "created_at"
    exclude = ("citizen", "contact_phone")  # personal data is shown, audited, in the order page
    inlines = [EventInline]

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser
