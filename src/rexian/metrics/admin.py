from django.contrib import admin

from rexian.core.admin import AuditedAdmin
from rexian.metrics.models import ScorecardIndicator


@admin.register(ScorecardIndicator)
class ScorecardIndicatorAdmin(AuditedAdmin):
    list_display = ("kpi", "weight", "higher_is_better", "active")
