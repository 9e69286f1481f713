from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    VIEW_PERSONAL = "view_personal", _("查看个人信息")
    EXPORT = "export", _("导出")
    CREATE = "create", _("新建")
    CHANGE = "change", _("修改")
    DELETE = "delete", _("删除")
    LOGIN = "login", _("登录")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOGOUT = "logout", _("退出")
    TOKEN = "token", _("令牌")


class AuditEntry(models.Model):
    """Who saw or changed what: every view or export of a citizen's personal
    data and every change lands here, searchable by admins. Never updated."""

    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_name = models.CharField(_("操作人账号"), max_length=150, blank=True)
    action = models.CharField(_("动作"), max_length=20, choices=AuditAction.choices, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=50, blank=True)
    object_id = models.CharField(_("对象"), max_length=64, blank=True, db_index=True)
    summary = models.CharField(_("摘要"), max_length=300, blank=True)
    # [{field, label, old, new}] for an audited admin change: values readable, masked and cut short.
    changes = models.JSONField(_("改动"), default=list, blank=True)
    ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)
    via = models.CharField(_("途径"), max_length=10, blank=True)  # web, api, cli

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name} {self.get_action_display()} {self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit entries are never deleted.")
