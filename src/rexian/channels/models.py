"""Raw messages on every channel, kept apart from the work orders they create or join.

Inbound messages are stored exactly once (unique external id or idempotency
key per channel); outbound messages are an outbox the worker drains, with
retries and backoff, so an answer is sent once even if the worker crashes.
"""

import secrets

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rexian.orders.choices import Channel


class Direction(models.TextChoices):
    INBOUND = "in", _("来信")
    OUTBOUND = "out", _("回复")


class MessageStatus(models.TextChoices):
    RECEIVED = "received", _("已接收")
    PROCESSED = "processed", _("已生成工单")
    REJECTED = "rejected", _("已拒收")
    QUEUED = "queued", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    DELIVERED = "delivered", _("已送达")
    FAILED = "failed", _("发送失败")


class Conversation(models.Model):
    """One thread with one citizen on one channel (an e-mail thread, a WeChat user, an SMS number)."""

    channel = models.CharField(_("渠道"), max_length=20, choices=Channel.choices)
    address = models.CharField(_("对方地址"), max_length=200)  # phone, e-mail, openid: personal data
    order = models.ForeignKey(
        "orders.WorkOrder", verbose_name=_("工单"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="conversations",
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_message_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("会话")
        verbose_name_plural = _("会话")
        indexes = [models.Index(fields=["channel", "address"])]


class Message(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.PROTECT, related_name="messages")
    channel = models.CharField(_("渠道"), max_length=20, choices=Channel.choices)
    direction = models.CharField(_("方向"), max_length=3, choices=Direction.choices)
    external_id = models.CharField(_("外部消息编号"), max_length=255, blank=True)
    idempotency_key = models.CharField(_("幂等键"), max_length=255, blank=True)
    sender = models.CharField(_("发送方"), max_length=200, blank=True)
    recipient = models.CharField(_("接收方"), max_length=200, blank=True)
    subject = models.CharField(_("主题"), max_length=300, blank=True)
    body = models.TextField(_("内容"), blank=True)
    payload = models.JSONField(_("原始数据"), default=dict, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=MessageStatus.choices)
    order = models.ForeignKey(
        "orders.WorkOrder", null=True, blank=True, on_delete=models.SET_NULL, related_name="channel_messages"
    )
    in_reply_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    received_at = models.DateTimeField(_("接收时间"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("发送次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次发送"), null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("渠道消息")
        verbose_name_plural = _("渠道消息")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "direction", "external_id"], condition=~Q(external_id=""), name="unique_external_message"
            ),
            models.UniqueConstraint(
                fields=["channel", "direction", "idempotency_key"], condition=~Q(idempotency_key=""),
                name="unique_idempotency_key",
            ),
        ]
        indexes = [models.Index(fields=["direction", "status", "next_attempt_at"])]


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(_("文件名"), max_length=255)
    content_type = models.CharField(_("类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    file = models.FileField(upload_to="attachments/%Y/%m/")

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")


def _new_code() -> str:
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read out over the phone
    return "".join(secrets.choice(alphabet) for _ in range(8))


class TrackingCode(models.Model):
    """The code a citizen uses, with their phone number, to follow an order."""

    order = models.OneToOneField("orders.WorkOrder", on_delete=models.CASCADE, related_name="tracking")
    code = models.CharField(_("查询码"), max_length=12, unique=True, default=_new_code)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("查询码")
        verbose_name_plural = _("查询码")
