from django.contrib import admin

from rexian.callbacks.models import CallbackSamplingRule
from rexian.core.admin import AuditedAdmin


@admin.register(CallbackSamplingRule)
class CallbackSamplingRuleAdmin(AuditedAdmin):
    list_display = ("name", "order_type", "category", "route", "percent", "active")
    list_filter = ("active", "order_type", "route")
    autocomplete_fields = ("category",)
