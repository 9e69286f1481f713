"""Admin for probe campaigns: the trunk password is never shown, only replaced."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from rexian.core.admin import AuditedAdmin, ReadOnlyAdmin
from rexian.telephony.campaigns import CampaignError, check_uri, validate
from rexian.telephony.models import Campaign, CampaignHotline, ProbeCall

MASK = "••••••"


class CampaignForm(forms.ModelForm):
    password = forms.CharField(
        label="鉴权密码",
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="留空则保留原密码；勾选下面的“清除密码”可删除。",
    )
    clear_password = forms.BooleanField(label="清除密码", required=False)

    class Meta:
        model = Campaign
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["password"] = ""  # never sent to the browser; blank means "unchanged"

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("clear_password"):
            cleaned["password"] = ""
        elif not cleaned.get("password") and self.instance.pk:
            cleaned["password"] = Campaign.objects.filter(pk=self.instance.pk).values_list("password", flat=True).first() or ""
        return cleaned

    def _post_clean(self):
        super()._post_clean()
        try:
            validate(self.instance)
        except CampaignError as error:
            self.add_error(None, ValidationError(str(error)))


@admin.register(Campaign)
class CampaignAdmin(AuditedAdmin):
    form = CampaignForm
    list_display = ("name", "status", "rounds", "calls_per_round", "proxy", "auth_user", "password_set", "created_at")
    list_filter = ("status",)
    search_fields = ("name",)
    readonly_fields = ("seed", "planned_at", "created_at")
    fieldsets = (
        (None, {"fields": ("name", "status", "rounds", "calls_per_round", "evaluation_config")}),
        ("时段", {"fields": (
            "start_date", "round_days", "round_interval_days", "daily_windows", "round_windows",
            "min_spacing_seconds", "late_grace_minutes",
        )}),
        ("限额", {"fields": ("concurrency", "max_calls_per_minute", "ring_timeout", "hold")}),
        ("中继", {"fields": (
            "proxy", "transport", "auth_user", "password", "clear_password", "from_user", "from_domain",
            "local_ip", "allowed_domains",
        )}),
        ("排期", {"fields": ("seed", "planned_at", "created_at")}),
    )

    @admin.display(description="鉴权密码")
    def password_set(self, obj: Campaign) -> str:
        return MASK if obj.password else "—"


class CampaignHotlineForm(forms.ModelForm):
    class Meta:
        model = CampaignHotline
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        campaign, uri = cleaned.get("campaign"), cleaned.get("sip_uri")
        if campaign is not None and uri:
            try:
                check_uri(campaign, uri)
            except CampaignError as error:
                self.add_error("sip_uri", str(error))
        return cleaned


@admin.register(CampaignHotline)
class CampaignHotlineAdmin(AuditedAdmin):
    form = CampaignHotlineForm
    list_display = ("hotline_id", "campaign", "province", "city", "sip_uri", "dead_line", "flagged_at")
    list_filter = ("dead_line", "campaign")
    search_fields = ("hotline_id", "province", "city")
    readonly_fields = ("dead_line", "flagged_at")


@admin.register(ProbeCall)
class ProbeCallAdmin(ReadOnlyAdmin):
    list_display = (
        "hotline", "campaign", "round", "seq", "scheduled_at", "status", "outcome", "prober_outcome",
        "final_status", "seconds_to_answer", "started_at",
    )
    list_filter = ("status", "outcome", "prober_outcome", "campaign")
    search_fields = ("hotline__hotline_id", "sip_call_id")
    date_hierarchy = "scheduled_at"
    list_select_related = ("hotline", "campaign")
