from django.contrib import admin
from django.template.response import TemplateResponse
from django.utils import timezone

from rexian.channels.models import (
    MediaDownload,
    OnlineRating,
    Open311Attribute,
    Open311AttributeValue,
    Open311Key,
    Open311Request,
)
from rexian.core.admin import AuditedAdmin, ReadOnlyAdmin
from rexian.core.audit import AuditAction, record


@admin.register(Open311Key)
class Open311KeyAdmin(AuditedAdmin):
    """Adding a key shows its secret once, on the page after saving; only the hash is kept."""

    list_display = ("name", "prefix", "contact", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix", "contact")
    readonly_fields = ("prefix", "created_at", "last_used_at")
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("name", "contact")
        return ("name", "contact", "prefix", "created_at", "last_used_at", "revoked_at")

    def save_model(self, request, obj, form, change):
        if not change:
            request._open311_secret = obj.set_new_secret()
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "key": obj,
            "secret": request._open311_secret,
            "title": "Open311 密钥已创建",
        }
        # Rendered directly, not redirected: the secret never passes through the session or a cookie.
        return TemplateResponse(request, "admin/channels/open311key/created.html", context)

    @admin.action(description="吊销所选密钥")
    def revoke(self, request, queryset):
        for key in queryset.filter(revoked_at__isnull=True):
            key.revoked_at = timezone.now()
            key.save(update_fields=["revoked_at"])
            record(request.user, AuditAction.TOKEN, key, summary=f"吊销 Open311 密钥 {key.prefix}（{key.name}）", request=request)


class Open311AttributeValueInline(admin.TabularInline):
    model = Open311AttributeValue
    extra = 1


@admin.register(Open311Attribute)
class Open311AttributeAdmin(AuditedAdmin):
    list_display = ("category", "code", "description", "datatype", "required", "order", "active")
    list_filter = ("datatype", "required", "active")
    search_fields = ("code", "description", "category__code", "category__name")
    autocomplete_fields = ("category",)
    inlines = [Open311AttributeValueInline]


@admin.register(Open311Request)
class Open311RequestAdmin(ReadOnlyAdmin):
    list_display = ("order", "api_key", "token", "created_at")
    list_filter = ("api_key",)
    search_fields = ("order__number", "token")
    fields = ("order", "api_key", "token", "address_id", "media_url", "attributes", "created_at")


@admin.register(OnlineRating)
class OnlineRatingAdmin(ReadOnlyAdmin):
    list_display = ("order", "result", "closed_callback", "created_at")
    list_filter = ("result", "closed_callback")
    search_fields = ("order__number",)
    fields = ("order", "reply", "result", "comment", "closed_callback", "created_at")


@admin.register(MediaDownload)
class MediaDownloadAdmin(ReadOnlyAdmin):
    """Pictures sent on WeChat and where their download stands; the citizen's openid is not shown."""

    list_display = ("id", "order", "status", "attempts", "last_error", "next_attempt_at", "created_at", "finished_at")
    list_filter = ("status",)
    search_fields = ("message__order__number",)
    fields = ("order", "status", "attempts", "last_error", "next_attempt_at", "attachment", "created_at", "finished_at")
    list_select_related = ("message__order",)

    @admin.display(description="工单")
    def order(self, obj):
        return obj.message.order
