from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rexian.callcentre.choices import CallOutcome, ImportFormat, ImportStatus

# Wait-time histogram kept per half-hour: one bucket per whole second up to 60 s,
# then coarser buckets. Bucket "090" holds waits of 61–90 s, "more" over 600 s.
# A threshold can be answered exactly when it is one of the upper bounds.
BUCKET_BOUNDS: tuple[int, ...] = (*range(61), 90, 120, 180, 300, 600)
BUCKET_NAMES: tuple[str, ...] = (*(f"{bound:03d}" for bound in BUCKET_BOUNDS), "more")
ANSWERED_BUCKETS: tuple[str, ...] = tuple(f"ans_{name}" for name in BUCKET_NAMES)
ABANDONED_BUCKETS: tuple[str, ...] = tuple(f"abn_{name}" for name in BUCKET_NAMES)


class CallImport(models.Model):
    """One file handed to `rexian calls import`: what it held and what it added.

    Rejected files are recorded too, with their errors, so every attempt is
    on record. Never updated after the import ends.
    """

    source = models.CharField(_("来源"), max_length=50)
    file_name = models.CharField(_("文件名"), max_length=255)
    sha256 = models.CharField(_("内容 SHA-256"), max_length=64, db_index=True)
    format = models.CharField(_("格式"), max_length=20, choices=ImportFormat.choices)
    status = models.CharField(_("结果"), max_length=20, choices=ImportStatus.choices)
    rows_read = models.PositiveIntegerField(_("读取行数"), default=0)
    calls_added = models.PositiveIntegerField(_("新增通话"), default=0)
    calls_skipped = models.PositiveIntegerField(_("已有而跳过"), default=0)
    calls_incomplete = models.PositiveIntegerField(_("未结束而跳过"), default=0)
    rows_rejected = models.PositiveIntegerField(_("错误行数"), default=0)
    errors = models.JSONField(_("错误"), default=list, blank=True)  # [{"line": n, "message": "..."}], capped
    note = models.CharField(_("说明"), max_length=300, blank=True)
    imported_at = models.DateTimeField(_("导入时间"), default=timezone.now)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("导入人"), null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = _("话务导入")
        verbose_name_plural = _("话务导入")
        ordering = ["-imported_at", "-id"]

    def __str__(self):
        return f"{self.file_name} ({self.get_status_display()})"


class CallRecord(models.Model):
    """One call offered to the hotline's queues, as the PBX reported it.

    `caller` is the citizen's number (personal data), stored normalised and
    never logged. A call that passed through several queues is one record,
    in the queue where it ended. Durations are whole seconds, rounded up.
    """

    source = models.CharField(_("来源"), max_length=50)
    call_id = models.CharField(_("通话标识"), max_length=128)
    number_called = models.CharField(_("被叫号码"), max_length=32, blank=True)
    caller = models.CharField(_("主叫号码"), max_length=32, blank=True)
    queue = models.CharField(_("队列"), max_length=64, blank=True)
    offered_at = models.DateTimeField(_("进入队列"))
    answered_at = models.DateTimeField(_("接通时间"), null=True, blank=True)
    abandoned_at = models.DateTimeField(_("放弃时间"), null=True, blank=True)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    agent = models.CharField(_("坐席"), max_length=64, blank=True)
    wait_seconds = models.PositiveIntegerField(_("等待秒数"))
    talk_seconds = models.PositiveIntegerField(_("通话秒数"), null=True, blank=True)
    outcome = models.CharField(_("结果"), max_length=20, choices=CallOutcome.choices)
    # No index and no database-level constraint: only the importer writes this
    # column, with the id of the import it has just created, and a per-row
    # foreign-key check costs more than the rest of the insert at 10M rows.
    import_batch = models.ForeignKey(
        CallImport,
        verbose_name=_("导入批次"),
        on_delete=models.PROTECT,
        related_name="calls",
        db_index=False,
        db_constraint=False,
    )

    class Meta:
        verbose_name = _("通话记录")
        verbose_name_plural = _("通话记录")
        constraints = [models.UniqueConstraint(fields=["source", "call_id"], name="callrecord_unique_call")]
        indexes = [models.Index(fields=["offered_at"], name="callrecord_offered_at")]

    def __str__(self):
        return f"{self.source}/{self.call_id}"


class CallSlotStat(models.Model):
    """Sums over the calls offered in one local half-hour, per queue and number called.

    Maintained by the importer in the same transaction as the calls it adds,
    and only for calls that were actually inserted, so it always equals a
    GROUP BY over CallRecord. `day` and `slot` (0–47) are the local date and
    half-hour of `slot_start`, kept for grouping. Calls count in the slot in
    which they were offered, whatever their outcome.
    """

    slot_start = models.DateTimeField(_("时段开始"))
    day = models.DateField(_("日期"))
    slot = models.PositiveSmallIntegerField(_("半小时序号"))
    queue = models.CharField(_("队列"), max_length=64, blank=True)
    number_called = models.CharField(_("被叫号码"), max_length=32, blank=True)
    offered = models.PositiveIntegerField(_("呼入"), default=0)  # every call, short abandons included
    answered = models.PositiveIntegerField(_("接通"), default=0)
    abandoned = models.PositiveIntegerField(_("放弃"), default=0)
    unanswered_other = models.PositiveIntegerField(_("其他未接通"), default=0)
    talked = models.PositiveIntegerField(_("有通话时长的接通"), default=0)
    sum_talk = models.BigIntegerField(_("通话秒数合计"), default=0)
    sum_wait_answered = models.BigIntegerField(_("接通等待秒数合计"), default=0)
    sum_wait_abandoned = models.BigIntegerField(_("放弃等待秒数合计"), default=0)

    class Meta:
        verbose_name = _("话务半小时统计")
        verbose_name_plural = _("话务半小时统计")
        constraints = [
            models.UniqueConstraint(fields=["slot_start", "queue", "number_called"], name="callslotstat_unique_slot")
        ]
        indexes = [models.Index(fields=["day", "slot"], name="callslotstat_day_slot")]

    def __str__(self):
        return f"{self.slot_start:%Y-%m-%d %H:%M} {self.queue} {self.number_called}"


for _prefix, _names, _label in (("ans", ANSWERED_BUCKETS, "接通等待"), ("abn", ABANDONED_BUCKETS, "放弃等待")):
    for _bucket, _name in zip(BUCKET_NAMES, _names):
        _verbose = f"{_label}>600秒" if _bucket == "more" else f"{_label}≤{int(_bucket)}秒"
        CallSlotStat.add_to_class(_name, models.PositiveIntegerField(_verbose, default=0))

SUM_COLUMNS: tuple[str, ...] = (
    "offered",
    "answered",
    "abandoned",
    "unanswered_other",
    "talked",
    "sum_talk",
    "sum_wait_answered",
    "sum_wait_abandoned",
    *ANSWERED_BUCKETS,
    *ABANDONED_BUCKETS,
)
SUM_INDEX: dict[str, int] = {name: index for index, name in enumerate(SUM_COLUMNS)}
