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
        # One conversation per address: two first messages arriving at once must not make two.
        constraints = [models.UniqueConstraint(fields=["channel", "address"], name="one_conversation_per_address")]


class MessageQuerySet(models.QuerySet):
    def undelivered(self):
        """Answers the outbox gave up on: the citizen has not received them."""
        return self.filter(direction=Direction.OUTBOUND, status=MessageStatus.FAILED)


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

    objects = MessageQuerySet.as_manager()

    @property
    def counterpart(self) -> str:
        """The citizen's address on the channel: who wrote in, or who the answer went to."""
        return self.sender if self.direction == Direction.INBOUND else self.recipient

    # What staff read of a message. The receipt carries the citizen's 查询码, which with
    # the phone number is all the portal asks before it takes the citizen's rating: a
    # unit that could read it could grade its own answer. So staff never see the code.
    @property
    def subject_for_staff(self) -> str:
        return self._without_tracking_code(self.subject)

    @property
    def body_for_staff(self) -> str:
        return self._without_tracking_code(self.body)

    def _without_tracking_code(self, text: str) -> str:
        # Through the order: the messages of one order share its instance, which caches the code.
        try:
            code = self.order.tracking.code if self.order_id else None
        except TrackingCode.DoesNotExist:
            code = None
        return text.replace(code, "*" * len(code)) if code and text else text

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


class DownloadStatus(models.TextChoices):
    PENDING = "pending", _("待下载")
    FETCHING = "fetching", _("下载中")
    DONE = "done", _("已保存")
    FAILED = "failed", _("下载失败")


class MediaDownload(models.Model):
    """A picture a citizen sent on WeChat, still to be fetched by its MediaId (the database is the outbox).

    Written in the callback's transaction with its message; the worker claims it
    with a conditional UPDATE (pending → fetching), fetches it and stores it as an
    `Attachment` of the message. `attempts` is raised by every claim, so it also
    tells a worker whether the row is still its own when it comes back.
    """

    message = models.OneToOneField(Message, verbose_name=_("渠道消息"), on_delete=models.CASCADE, related_name="download")
    media_id = models.CharField(max_length=128)
    status = models.CharField(_("状态"), max_length=20, choices=DownloadStatus.choices, default=DownloadStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=500, blank=True)
    attachment = models.OneToOneField(
        Attachment, verbose_name=_("附件"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("微信图片下载")
        verbose_name_plural = _("微信图片下载")
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self):
        return f"{self.pk} {self.get_status_display()}"


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


# ---------------------------------------------------------------- Open311 GeoReport v2 and the citizen portal


def _hash_secret(secret: str) -> str:
    import hashlib

    return hashlib.sha256(secret.encode()).hexdigest()


class Open311KeyQuerySet(models.QuerySet):
    def authenticate(self, presented: str) -> "Open311Key | None":
        """The live key for `presented`, looked up by hash only; "last used" written at most once a minute."""
        if not presented:
            return None
        key = self.filter(key_hash=_hash_secret(presented), revoked_at__isnull=True).first()
        now = timezone.now()
        if key and (key.last_used_at is None or now - key.last_used_at > timezone.timedelta(minutes=1)):
            Open311Key.objects.filter(pk=key.pk).update(last_used_at=now)
        return key


class Open311Key(models.Model):
    """The api_key of one Open311 client (a city app, a partner platform). Only the SHA-256 of the key is stored."""

    name = models.CharField(_("名称"), max_length=100, help_text=_("谁在使用这个密钥，例如“城市服务 App”"))
    prefix = models.CharField(_("前缀"), max_length=16, db_index=True, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    contact = models.CharField(_("联系人"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    objects = Open311KeyQuerySet.as_manager()

    class Meta:
        verbose_name = _("Open311 密钥")
        verbose_name_plural = _("Open311 密钥")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    def set_new_secret(self) -> str:
        """Give the key a fresh secret and return it: shown once, never stored."""
        self.prefix = secrets.token_hex(4)
        secret = f"o311_{self.prefix}_{secrets.token_urlsafe(32)}"
        self.key_hash = _hash_secret(secret)
        return secret

    @classmethod
    def issue(cls, name: str, contact: str = "") -> tuple["Open311Key", str]:
        key = cls(name=name, contact=contact)
        secret = key.set_new_secret()
        key.save()
        return key, secret


class Open311Datatype(models.TextChoices):
    STRING = "string", _("单行文字")
    NUMBER = "number", _("数字")
    DATETIME = "datetime", _("日期时间")
    TEXT = "text", _("多行文字")
    SINGLE = "singlevaluelist", _("单选")
    MULTI = "multivaluelist", _("多选")


LIST_DATATYPES = frozenset({Open311Datatype.SINGLE, Open311Datatype.MULTI})


class Open311Attribute(models.Model):
    """One extra question of an Open311 service definition (GeoReport v2 `attribute`), on a category."""

    category = models.ForeignKey(
        "directory.Category", verbose_name=_("分类"), on_delete=models.CASCADE, related_name="open311_attributes"
    )
    code = models.CharField(_("编码"), max_length=50, help_text=_("客户端以 attribute[编码] 提交答案"))
    variable = models.BooleanField(_("需要填写"), default=True, help_text=_("不勾选：只向用户展示说明，不收集答案"))
    datatype = models.CharField(_("数据类型"), max_length=20, choices=Open311Datatype.choices, default=Open311Datatype.STRING)
    required = models.BooleanField(_("必填"), default=False)
    datatype_description = models.CharField(_("填写说明"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("顺序"), default=1)
    description = models.CharField(_("问题"), max_length=500)
    active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)  # feeds discovery's changeset

    class Meta:
        verbose_name = _("Open311 附加问题")
        verbose_name_plural = _("Open311 附加问题")
        ordering = ["category", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="unique_open311_attribute_code"),
        ]

    def __str__(self):
        return f"{self.category.code} {self.code}"

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.code and not all(ch.isalnum() or ch in "_-" for ch in self.code):
            raise ValidationError({"code": _("编码只能包含字母、数字、下划线和连字符。")})


class Open311AttributeValue(models.Model):
    """One option (`value`: key and name) of a singlevaluelist or multivaluelist attribute."""

    attribute = models.ForeignKey(Open311Attribute, on_delete=models.CASCADE, related_name="values")
    key = models.CharField(_("取值"), max_length=50)
    name = models.CharField(_("显示名称"), max_length=200)
    order = models.PositiveSmallIntegerField(_("顺序"), default=1)

    class Meta:
        verbose_name = _("选项")
        verbose_name_plural = _("选项")
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["attribute", "key"], name="unique_open311_value_key")]

    def __str__(self):
        return f"{self.key} {self.name}"


def new_open311_token() -> str:
    return secrets.token_hex(12)


class Open311Request(models.Model):
    """What an Open311 POST left beyond the order: the client, its token, and location fields the order lacks."""

    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="open311")
    order = models.OneToOneField("orders.WorkOrder", on_delete=models.CASCADE, related_name="open311")
    api_key = models.ForeignKey(Open311Key, verbose_name=_("密钥"), on_delete=models.PROTECT, related_name="requests")
    token = models.CharField(_("令牌"), max_length=32, unique=True, default=new_open311_token)
    address_id = models.CharField(_("地址编号"), max_length=100, blank=True)
    media_url = models.URLField(_("媒体链接"), max_length=500, blank=True)
    attributes = models.JSONField(_("附加问题答案"), default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Open311 请求")
        verbose_name_plural = _("Open311 请求")


class OnlineRating(models.Model):
    """A citizen's own rating of an answer, given on the portal (网上评价), one per answer.

    When the order waits for its callback and the citizen is satisfied, the
    rating is the callback (performed as the portal's system user); an
    unsatisfied rating is left for a callback agent, who sees it on the order.
    """

    class Result(models.TextChoices):
        SATISFIED = "satisfied", _("满意")
        BASICALLY = "basically", _("基本满意")
        DISSATISFIED = "dissatisfied", _("不满意")

    order = models.ForeignKey("orders.WorkOrder", on_delete=models.PROTECT, related_name="online_ratings")
    reply = models.ForeignKey("orders.Reply", verbose_name=_("答复"), on_delete=models.PROTECT, related_name="+")
    result = models.CharField(_("评价"), max_length=20, choices=Result.choices)
    comment = models.TextField(_("意见"), blank=True)
    closed_callback = models.BooleanField(_("已作为回访结果"), default=False)
    created_at = models.DateTimeField(_("评价时间"), default=timezone.now)

    class Meta:
        verbose_name = _("网上评价")
        verbose_name_plural = _("网上评价")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["order", "reply"], name="one_online_rating_per_answer")]

    def __str__(self):
        return f"{self.order_id} {self.get_result_display()}"


class RateLimitHit(models.Model):
    """Requests counted in one fixed window for one hashed key (a client address, a phone number).

    Kept in the database so every web process of an installation counts
    together; the key is an HMAC, so no address or number is stored in clear.
    """

    key = models.CharField(max_length=64)
    window_start = models.DateTimeField(db_index=True)
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("限流计数")
        verbose_name_plural = _("限流计数")
        constraints = [models.UniqueConstraint(fields=["key", "window_start"], name="unique_rate_limit_window")]
