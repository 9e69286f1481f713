from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rexian.callbacks.choices import CallbackResult, CallbackStatus
from rexian.orders.choices import OrderType


class Callback(models.Model):
    """The satisfaction call-back (回访) for one round of handling of an order.

    A reopened (重办) order gets a new callback for its new reply.
    """

    order = models.ForeignKey("orders.WorkOrder", on_delete=models.PROTECT, related_name="callbacks")
    status = models.CharField(_("状态"), max_length=20, choices=CallbackStatus.choices, default=CallbackStatus.PENDING)
    result = models.CharField(_("回访结果"), max_length=20, choices=CallbackResult.choices, blank=True)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    due_at = models.DateTimeField(_("回访时限"), null=True, blank=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("回访员"), null=True, blank=True, on_delete=models.SET_NULL
    )
    note = models.TextField(_("回访记录"), blank=True)
    reopened = models.BooleanField(_("转重办"), default=False)
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now)
    last_attempt_at = models.DateTimeField(_("最近尝试"), null=True, blank=True)
    # After 未联系上 the next try waits a while, so the queue offers other calls first.
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("回访")
        verbose_name_plural = _("回访")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["status", "due_at"])]

    def __str__(self):
        return f"{self.order_id} {self.get_status_display()}"


class CallbackSamplingRule(models.Model):
    """Which share of finished orders is called back, per type, category and route.

    The most specific active rule wins (category depth, then type, then route);
    without any matching rule the REXIAN_*_SAMPLE_PERCENT settings apply.
    """

    class Route(models.TextChoices):
        ANY = "any", _("全部")
        DISPATCHED = "dispatched", _("派单办理")
        DIRECT = "direct", _("直接答复")

    name = models.CharField(_("名称"), max_length=100)
    order_type = models.CharField(_("类型"), max_length=20, blank=True, choices=OrderType.choices)
    category = models.ForeignKey(
        "directory.Category", verbose_name=_("分类"), null=True, blank=True, on_delete=models.CASCADE
    )
    route = models.CharField(_("办理方式"), max_length=20, choices=Route.choices, default=Route.ANY)
    percent = models.PositiveSmallIntegerField(_("抽样比例(%)"), validators=[MaxValueValidator(100)])
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("回访抽样规则")
        verbose_name_plural = _("回访抽样规则")

    def __str__(self):
        return f"{self.name} {self.percent}%"
