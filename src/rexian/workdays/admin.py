from django.contrib import admin

from rexian.core.admin import AuditedAdmin
from rexian.workdays.models import CalendarOverride, HolidayNotice


@admin.register(HolidayNotice)
class HolidayNoticeAdmin(AuditedAdmin):
    list_display = ("year", "title", "entered_at")


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(AuditedAdmin):
    list_display = ("date", "kind", "note")
    list_filter = ("kind",)
    date_hierarchy = "date"
    search_fields = ("note",)
