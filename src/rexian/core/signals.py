"""Logins, failed logins and logouts go to the audit log."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from rexian.core.audit import AuditAction, client_ip, record
from rexian.core.models import AuditEntry


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    record(user, AuditAction.LOGIN, summary="登录成功", request=request)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        record(user, AuditAction.LOGOUT, summary="退出登录", request=request)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    AuditEntry.objects.create(
        actor_name=str(credentials.get("username", ""))[:150],
        action=AuditAction.LOGIN_FAILED,
        summary="登录失败",
        ip=client_ip(request),
        via="web",
    )
