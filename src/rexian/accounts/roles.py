"""The people who work a hotline, as roles (see DOMAIN.md)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    AGENT = "agent", _("话务员")
    DISPATCHER = "dispatcher", _("派单员")
    DEPARTMENT = "department", _("承办单位")
    REVIEWER = "reviewer", _("审核员")
    CALLBACK = "callback", _("回访员")
    SUPERVISOR = "supervisor", _("督办员")
    ADMIN = "admin", _("管理员")


# Roles that work across the whole centre rather than inside one unit.
CENTRE_ROLES = frozenset(
    {Role.AGENT, Role.DISPATCHER, Role.REVIEWER, Role.CALLBACK, Role.SUPERVISOR, Role.ADMIN}
)
