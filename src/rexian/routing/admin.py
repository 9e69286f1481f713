from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from rexian.core.admin import AuditedAdmin, ReadOnlyAdmin
from rexian.routing import catalogue
from rexian.routing.models import CatalogueRule, RoutingModelVersion
from rexian.routing.models import RoutingKindState
from rexian.routing.training import PrunedVersion, activate_version, resume_schedule


@admin.register(CatalogueRule)
class CatalogueRuleAdmin(AuditedAdmin):
    list_display = ("category", "area_code", "keywords", "lead_unit", "source", "effective_from", "expires_on", "active")
    list_filter = ("active", "source")
    search_fields = ("category__name", "category__code", "lead_unit__name", "keywords", "source_reference")
    autocomplete_fields = ("category", "lead_unit", "assisting_units")

    def get_urls(self):
        report = path("report/", self.admin_site.admin_view(self.report_view), name="routing_catalogue_report")
        return [report, *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        conflicts, gaps = catalogue.conflicts(), catalogue.gaps()
        if conflicts or gaps:
            messages.warning(
                request,
                format_html(
                    "派单目录有 {} 处冲突、{} 个分类没有覆盖。<a href='{}'>查看报告</a>",
                    len(conflicts), len(gaps), reverse("admin:routing_catalogue_report"),
                ),
            )
        return super().changelist_view(request, extra_context)

    def report_view(self, request):
        context = {
            **self.admin_site.each_context(request),
            "title": "派单目录冲突与缺口",
            "conflicts": catalogue.conflicts(),
            "gaps": catalogue.gaps(),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/routing/catalogue_report.html", context)


@admin.register(RoutingModelVersion)
class RoutingModelVersionAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "kind", "training_orders", "labels", "macro_f1", "active", "not_activated", "pruned_at")
    list_filter = ("kind", "active")
    exclude = ("model",)
    actions = ["activate", "resume"]

    def changelist_view(self, request, extra_context=None):
        for state in RoutingKindState.objects.filter(pinned_at__isnull=False):
            messages.info(
                request,
                f"{state}模型已由 {state.pinned_by} 回滚并锁定，定时重训暂停；"
                f"如需恢复，请选择该类任一版本执行“恢复定时重训”，或用 `rexian routing train` 重新训练。",
            )
        return super().changelist_view(request, extra_context)

    @admin.display(description="定时重训未启用的原因")
    def not_activated(self, obj):
        return obj.not_activated

    @admin.display(description="交叉验证 macro-F1")
    def macro_f1(self, obj):
        value = obj.metrics.get("cv_macro_f1")
        return f"{value:.3f}" if isinstance(value, (int, float)) else "—"

    @admin.action(description="启用所选版本（回滚）")
    def activate(self, request, queryset):
        if queryset.count() != 1:
            messages.error(request, "请只选择一个版本。")
            return
        version = queryset.get()
        try:
            activate_version(version, pin=True, pinned_by=request.user.get_username())
        except PrunedVersion as error:
            messages.error(request, str(error))
            return
        from rexian.core.audit import AuditAction, record

        record(request.user, AuditAction.CHANGE, version, summary=f"启用分派模型版本 {version}（锁定，暂停定时重训）",
               request=request)
        messages.success(
            request, f"已启用 {version}。该类模型已锁定，定时重训不会替换它；需要时可执行“恢复定时重训”。"
        )

    @admin.action(description="恢复所选类型的定时重训（解除锁定）")
    def resume(self, request, queryset):
        from rexian.core.audit import AuditAction, record

        for kind in sorted(set(queryset.values_list("kind", flat=True))):
            if resume_schedule(kind):
                state = RoutingKindState.objects.get(kind=kind)
                record(request.user, AuditAction.CHANGE, state, summary=f"恢复{state}模型的定时重训", request=request)
                messages.success(request, f"已恢复{state}模型的定时重训。")
            else:
                messages.info(request, f"{RoutingKindState(kind=kind)}模型未锁定，定时重训照常。")

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser  # needed for the action; the form itself shows no editable field
