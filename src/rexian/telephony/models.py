"""Probe campaigns (拨测任务): hotlines to test, the calls planned for them, what each call found.

The database is the job queue: a ``ProbeCall`` row is planned at a random
time inside its round's window, claimed by one worker with a conditional
UPDATE (status scheduled → claimed, with a lease), placed through the
campaign's trunk and finished with its result.  See docs/probing.md,
"Campaigns".
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TRANSPORT_CHOICES = [("udp", "UDP"), ("tcp", "TCP")]


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    RUNNING = "running", _("进行中")
    PAUSED = "paused", _("已暂停")
    FINISHED = "finished", _("已结束")


class CallStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("待拨打")
    CLAIMED = "claimed", _("拨打中")
    DONE = "done", _("已完成")
    ERROR = "error", _("出错")
    MISSED = "missed", _("错过时段")


class EvaluationOutcome(models.TextChoices):
    """The evaluation's outcome vocabulary (rexian.evaluation.monitoring.probes.OUTCOME_LABELS)."""

    ANSWERED = "answered", _("接通（人工应答）")
    BUSY = "busy", _("占线")
    NO_ANSWER = "no_answer", _("无人接听")
    INVALID_NUMBER = "invalid_number", _("空号/错号")
    UNAVAILABLE = "unavailable", _("无法接通")
    IVR_ONLY = "ivr_only", _("只有自助语音")
    REJECTED = "rejected", _("被拒接或挂断")


class Campaign(models.Model):
    """One monitoring campaign: which lines, how many calls when, through which trunk, how gently."""

    name = models.CharField(_("名称"), max_length=200, unique=True)
    status = models.CharField(_("状态"), max_length=20, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT)
    rounds = models.PositiveSmallIntegerField(_("轮次"), default=4)
    calls_per_round = models.PositiveSmallIntegerField(_("每轮每条热线拨打次数"), default=10)

    # When: either daily windows on the days of each round, or explicit ranges per round.
    start_date = models.DateField(_("首轮开始日期"), null=True, blank=True)
    round_days = models.PositiveSmallIntegerField(_("每轮天数"), default=1)
    round_interval_days = models.PositiveSmallIntegerField(
        _("轮次间隔天数"), null=True, blank=True, help_text=_("相邻两轮开始日期相隔的天数；留空等于每轮天数")
    )
    daily_windows = models.JSONField(
        _("每日拨测时段"), default=list, blank=True, help_text=_('当地时间，如 ["09:00-12:00", "14:00-17:00"]')
    )
    round_windows = models.JSONField(
        _("各轮明确时段"),
        default=list,
        blank=True,
        help_text=_('每轮一项：[[开始, 结束], ...]（ISO 时间）；填写后代替每日时段'),
    )
    min_spacing_seconds = models.PositiveIntegerField(
        _("同一热线两次拨打最小间隔（秒）"), default=1800
    )
    late_grace_minutes = models.PositiveIntegerField(
        _("迟到宽限（分钟）"), default=60, help_text=_("时段结束后超过此时间仍未拨出的电话记为错过，不再拨打")
    )

    # How gently.
    concurrency = models.PositiveSmallIntegerField(_("最大同时通话数"), default=2)
    max_calls_per_minute = models.PositiveSmallIntegerField(_("每分钟最多拨打次数"), default=10)
    ring_timeout = models.FloatField(_("振铃超时（秒）"), default=30.0)
    hold = models.FloatField(_("接通后保持（秒）"), default=5.0)

    # Through which trunk: every call goes to the outbound proxy and nowhere else.
    proxy = models.CharField(_("出局代理 host:port"), max_length=200)
    transport = models.CharField(_("传输协议"), max_length=3, choices=TRANSPORT_CHOICES, default="udp")
    auth_user = models.CharField(_("鉴权用户名"), max_length=100, blank=True)
    password = models.CharField(_("鉴权密码"), max_length=200, blank=True)
    from_user = models.CharField(_("主叫号码"), max_length=100, blank=True)
    from_domain = models.CharField(_("主叫域"), max_length=200, blank=True)
    local_ip = models.CharField(_("本机地址"), max_length=64, blank=True)
    allowed_domains = models.JSONField(
        _("允许的被叫域"),
        default=list,
        blank=True,
        help_text=_("热线 SIP URI 的主机只能是这些之一（另加出局代理的主机）"),
    )

    evaluation_config = models.CharField(
        _("评估配置文件"), max_length=500, blank=True, help_text=_("死线规则等取自此 TOML；留空用默认配置")
    )
    seed = models.BigIntegerField(_("随机种子"), null=True, blank=True)
    planned_at = models.DateTimeField(_("排期时间"), null=True, blank=True)
    # The earliest moment the next call of this campaign may start (rate limit across workers).
    next_start_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("拨测任务")
        verbose_name_plural = _("拨测任务")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name

    @property
    def start_interval(self) -> float:
        """Seconds between two call starts of this campaign (from max_calls_per_minute)."""
        return 60.0 / max(self.max_calls_per_minute, 1)


class CampaignHotline(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="hotlines", verbose_name=_("拨测任务"))
    hotline_id = models.CharField(_("热线编号"), max_length=100)
    province = models.CharField(_("省份"), max_length=50)
    city = models.CharField(_("城市"), max_length=100)
    sip_uri = models.CharField(_("SIP URI"), max_length=300)
    dead_line = models.BooleanField(_("死线"), default=False)
    flagged_at = models.DateTimeField(_("判为死线时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("拨测热线")
        verbose_name_plural = _("拨测热线")
        ordering = ["campaign", "hotline_id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "hotline_id"], name="telephony_hotline_unique_id")]

    def __str__(self) -> str:
        return f"{self.hotline_id} {self.province}{self.city}"


class ProbeCall(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="calls", verbose_name=_("拨测任务"))
    hotline = models.ForeignKey(CampaignHotline, on_delete=models.CASCADE, related_name="calls", verbose_name=_("热线"))
    round = models.PositiveSmallIntegerField(_("轮次"))
    seq = models.PositiveSmallIntegerField(_("轮内序号"))
    scheduled_at = models.DateTimeField(_("计划拨打时间"))
    not_after = models.DateTimeField(_("所在时段结束"))
    status = models.CharField(_("状态"), max_length=20, choices=CallStatus.choices, default=CallStatus.SCHEDULED)
    attempts = models.PositiveSmallIntegerField(_("领取次数"), default=0)
    claimed_at = models.DateTimeField(_("领取时间"), null=True, blank=True)
    lease_until = models.DateTimeField(_("租约到期"), null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True, editable=False)
    started_at = models.DateTimeField(_("开始拨打"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    outcome = models.CharField(_("结果"), max_length=20, choices=EvaluationOutcome.choices, blank=True)
    prober_outcome = models.CharField(_("拨测器原始结果"), max_length=20, blank=True)
    final_status = models.PositiveSmallIntegerField(_("SIP 最终响应"), null=True, blank=True)
    reason = models.CharField(_("响应短语"), max_length=200, blank=True)
    q850_cause = models.PositiveSmallIntegerField(_("Q.850 原因"), null=True, blank=True)
    q850_text = models.CharField(_("Q.850 说明"), max_length=200, blank=True)
    seconds_to_first_response = models.FloatField(null=True, blank=True)
    seconds_to_ringing = models.FloatField(null=True, blank=True)
    seconds_to_answer = models.FloatField(null=True, blank=True)
    seconds_connected = models.FloatField(null=True, blank=True)
    rtp_packets_in = models.PositiveIntegerField(null=True, blank=True)
    sip_call_id = models.CharField(_("SIP Call-ID"), max_length=100, blank=True)
    ladder = models.JSONField(_("信令过程"), default=list, blank=True)
    error = models.TextField(_("错误"), blank=True)

    class Meta:
        verbose_name = _("拨测电话")
        verbose_name_plural = _("拨测电话")
        ordering = ["scheduled_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["hotline", "round", "seq"], name="telephony_call_unique_slot"),
        ]
        indexes = [
            models.Index(fields=["status", "scheduled_at"], name="telephony_call_due"),
            models.Index(fields=["campaign", "status"], name="telephony_call_campaign"),
        ]

    def __str__(self) -> str:
        return f"{self.hotline.hotline_id} R{self.round}#{self.seq} {self.scheduled_at:%Y-%m-%d %H:%M:%S}"

    @property
    def seconds_to_human(self) -> float | None:
        """What the evaluation calls 接通时长: dialling to answer, only for answered calls."""
        return self.seconds_to_answer if self.outcome == EvaluationOutcome.ANSWERED else None
