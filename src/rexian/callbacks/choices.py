from django.db import models
from django.utils.translation import gettext_lazy as _


class CallbackResult(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY = "basically", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")
    UNREACHABLE = "unreachable", _("未联系上")


class CallbackStatus(models.TextChoices):
    PENDING = "pending", _("待回访")
    DONE = "done", _("已回访")
    UNREACHABLE = "unreachable", _("未联系上")
    CANCELLED = "cancelled", _("已取消")  # the answer it was for no longer stands (the master went to 重办)
