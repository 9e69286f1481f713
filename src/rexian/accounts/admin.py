from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils import timezone

from rexian.accounts.models import ApiToken, User
from rexian.core.admin import AuditedAdmin


@admin.register(User)
class RexianUserAdmin(AuditedAdmin, UserAdmin):
    list_display = ("username", "first_name", "role", "department", "is_active", "last_login")
    list_filter = ("role", "is_active", "department__level")
    search_fields = ("username", "first_name", "last_name", "department__name")
    autocomplete_fields = ("department",)
    fieldsets = UserAdmin.fieldsets + (("热线角色", {"fields": ("role", "department")}),)
    add_fieldsets = UserAdmin.add_fieldsets + (("热线角色", {"fields": ("role", "department")}),)


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdmin):
    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("prefix", "user__username", "name")
    readonly_fields = ("prefix", "key_hash", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # tokens are issued with `rexian token create`, which shows the secret once

    @admin.action(description="吊销所选令牌")
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            token.revoked_at = timezone.now()
            self.save_model(request, token, None, True)
