"""Work orders (工单) and everything that happens to them."""

import re

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rexian.accounts.roles import Role
from rexian.orders.choices import (
    DEADLINE_STATES,
    OPEN_STATES,
    AssignmentRole,
    AssignmentStatus,
    Channel,
    ExtensionStatus,
    OrderType,
    ReplyResult,
    ReviewStatus,
    State,
    SupervisionKind,
    Urgency,
)


class Citizen(models.Model):
    """A person or enterprise who contacts the hotline (服务对象)."""

    name = models.CharField(_("姓名"), max_length=100, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, db_index=True)
    alt_phone = models.CharField(_("备用电话"), max_length=20, blank=True, db_index=True)
    id_number = models.CharField(_("证件号码"), max_length=30, blank=True)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("服务对象")
        verbose_name_plural = _("服务对象")

    def __str__(self):
        return self.name or self.phone


class DeadlinePolicy(models.Model):
    """Time limits for a kind of order; the most specific matching row wins.

    Empty category/type/urgency match anything. A category policy also covers
    the category's sub-categories. Acceptance (签收) limits are in minutes or
    working days, handling (办理) limits in hours or working days.
    """

    name = models.CharField(_("名称"), max_length=100)
    category = models.ForeignKey(
        "directory.Category", verbose_name=_("分类"), null=True, blank=True, on_delete=models.CASCADE
    )
    order_type = models.CharField(_("类型"), max_length=20, choices=OrderType.choices, blank=True)
    urgency = models.CharField(_("紧急程度"), max_length=20, choices=Urgency.choices, blank=True)
    accept_minutes = models.PositiveIntegerField(_("签收时限(分钟)"), null=True, blank=True)
    accept_workdays = models.PositiveSmallIntegerField(_("签收时限(工作日)"), null=True, blank=True)
    handle_hours = models.PositiveIntegerField(_("办理时限(小时)"), null=True, blank=True)
    handle_workdays = models.PositiveSmallIntegerField(_("办理时限(工作日)"), null=True, blank=True)
    callback_workdays = models.PositiveSmallIntegerField(_("回访时限(工作日)"), null=True, blank=True)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("时限规则")
        verbose_name_plural = _("时限规则")

    def __str__(self):
        return self.name

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
        if self.accept_minutes and self.accept_workdays:
            errors["accept_minutes"] = _("签收时限只能按分钟或按工作日设置其一。")
        if self.handle_hours and self.handle_workdays:
            errors["handle_hours"] = _("办理时限只能按小时或按工作日设置其一。")
        if errors:
            raise ValidationError(errors)


ORDER_NUMBER_PREFIX = re.compile(r"^\d{8}(-\d{0,5})?$")


class DailySequence(models.Model):
    """The last order number issued on a day; rows are locked to hand out the next."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)


class WorkOrderQuerySet(models.QuerySet):
    def visible_to(self, user) -> "WorkOrderQuerySet":
        """What `user` may see: centre roles see every order; department staff
        only orders their unit (or a sub-unit) was ever assigned."""
        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        if user.role == Role.DEPARTMENT:
            if not user.department_id:
                return self.none()
            units = user.department.subtree_ids
            return self.filter(Exists(Assignment.objects.filter(order=OuterRef("pk"), unit_id__in=units)))
        return self

    def open(self):
        return self.filter(state__in=sorted(OPEN_STATES))  # the same list as the partial indexes

    def running(self):
        """Orders whose handling deadline is still running (no reply yet)."""
        return self.filter(state__in=DEADLINE_STATES)

    def overdue(self, now=None):
        return self.running().filter(due_at__lt=now or timezone.now())

    def due_soon(self, now=None):
        now = now or timezone.now()
        window = timezone.timedelta(hours=settings.REXIAN["DUE_SOON_HOURS"])
        return self.running().filter(due_at__gte=now, due_at__lt=now + window)

    def search(self, text: str):
        text = (text or "").strip()
        if not text:
            return self
        if ORDER_NUMBER_PREFIX.match(text):
            # An order number or its date part: a range on the unique index, not a scan.
            return self.filter(number__gte=text, number__lt=text + "~")
        return self.filter(
            Q(number__icontains=text) | Q(title__icontains=text) | Q(content__icontains=text)
            | Q(address__icontains=text)
        )


class WorkOrder(models.Model):
    """One citizen request, from intake to closure; every change is a WorkOrderEvent."""

    number = models.CharField(_("工单编号"), max_length=20, unique=True)
    order_type = models.CharField(_("类型"), max_length=20, choices=OrderType.choices)
    urgency = models.CharField(_("紧急程度"), max_length=20, choices=Urgency.choices, default=Urgency.NORMAL)
    channel = models.CharField(_("来源渠道"), max_length=20, choices=Channel.choices, default=Channel.PHONE)
    title = models.CharField(_("标题"), max_length=200)
    content = models.TextField(_("诉求内容"))
    address = models.CharField(_("事发地址"), max_length=300, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    area_code = models.CharField(_("区划代码"), max_length=12, blank=True, db_index=True)
    category = models.ForeignKey(
        "directory.Category", verbose_name=_("分类"), null=True, blank=True, on_delete=models.PROTECT
    )
    citizen = models.ForeignKey(Citizen, verbose_name=_("服务对象"), on_delete=models.PROTECT, related_name="orders")
    contact_phone = models.CharField(_("回访电话"), max_length=20)
    confidential = models.BooleanField(_("保密"), default=False)
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.REGISTERED)
    current_unit = models.ForeignKey(
        "directory.Department",
        verbose_name=_("当前承办单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="current_orders",
    )
    accept_deadline = models.DateTimeField(_("签收时限"), null=True, blank=True)
    accept_provisional = models.BooleanField(_("签收时限待定"), default=False)
    due_at = models.DateTimeField(_("办理时限"), null=True, blank=True)
    due_provisional = models.BooleanField(_("办理时限待定"), default=False)
    due_soon_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    overdue_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    master = models.ForeignKey(
        "self", verbose_name=_("主工单"), null=True, blank=True, on_delete=models.PROTECT, related_name="merged_orders"
    )
    dispatch_count = models.PositiveSmallIntegerField(_("派单次数"), default=0)
    return_count = models.PositiveSmallIntegerField(_("退单次数"), default=0)
    redo_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    callback_exemption = models.CharField(_("免回访原因"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("受理人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("受理时间"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    # Bumped by every transition: a stale form or a concurrent action loses.
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = WorkOrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("工单")
        verbose_name_plural = _("工单")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["state", "due_at"]),
            models.Index(fields=["current_unit", "state", "due_at"]),
            models.Index(fields=["state", "created_at"]),
            models.Index(fields=["category", "created_at"]),
            # The caller's history at intake (重复来电).
            models.Index(fields=["contact_phone"], name="orders_wo_contact_phone"),
            # Small partial indexes: the open orders are a sliver of a big city's history.
            models.Index(fields=["created_at"], condition=Q(state__in=sorted(OPEN_STATES)), name="orders_wo_open_created"),
            models.Index(fields=["due_at"], condition=Q(state__in=sorted(OPEN_STATES)), name="orders_wo_open_due"),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    @property
    def audit_key(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        """Not finished for the citizen. A merged order counts: it follows a master that is
        still open (a master cannot end while orders are merged into it), although it is
        nobody's work item and so not in OPEN_STATES (queues, supervision, indexes)."""
        return self.state in OPEN_STATES or self.state == State.MERGED

    @property
    def deadline_running(self) -> bool:
        return self.state in DEADLINE_STATES

    def is_overdue(self, now=None) -> bool:
        return bool(self.deadline_running and self.due_at and self.due_at < (now or timezone.now()))

    def is_due_soon(self, now=None) -> bool:
        now = now or timezone.now()
        window = timezone.timedelta(hours=settings.REXIAN["DUE_SOON_HOURS"])
        return bool(self.deadline_running and self.due_at and now <= self.due_at < now + window)


class WorkOrderEvent(models.Model):
    """One thing that happened to an order: append-only, the audit trail and the KPI source."""

    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(_("动作"), max_length=30, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_role = models.CharField(_("角色"), max_length=20, blank=True)
    from_state = models.CharField(_("原状态"), max_length=20, choices=State.choices, blank=True)
    to_state = models.CharField(_("新状态"), max_length=20, choices=State.choices, blank=True)
    unit = models.ForeignKey(
        "directory.Department", verbose_name=_("单位"), null=True, blank=True, on_delete=models.PROTECT
    )
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("工单事件")
        verbose_name_plural = _("工单事件")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["action", "created_at"]), models.Index(fields=["order", "created_at"])]

    def __str__(self):
        return f"{self.order_id} {self.action} {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Work-order events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Work-order events are never deleted.")


class IntakeKey(models.Model):
    """An `Idempotency-Key` sent with an intake (POST /orders): the same key
    again, from the same user with the same request, gets the same order back
    instead of a second one. Kept for `REXIAN_IDEMPOTENCY_HOURS`, then purged by
    the sweep: the keys are not order data, and the orders stay."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=128)
    digest = models.CharField(max_length=64)  # SHA-256 of the request, to refuse a key reused for another one
    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="unique_intake_key")]

    def __str__(self):
        return f"{self.key} → {self.order_id}"


class Assignment(models.Model):
    """One dispatch of an order to one unit, as lead (主办) or assisting (协办) unit."""

    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="assignments")
    unit = models.ForeignKey("directory.Department", verbose_name=_("承办单位"), on_delete=models.PROTECT)
    role = models.CharField(_("承办方式"), max_length=10, choices=AssignmentRole.choices, default=AssignmentRole.LEAD)
    status = models.CharField(
        _("状态"), max_length=20, choices=AssignmentStatus.choices, default=AssignmentStatus.PENDING
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("下派自"), null=True, blank=True, on_delete=models.PROTECT, related_name="passed_to"
    )
    designated = models.BooleanField(_("指定承办"), default=False)
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    dispatched_at = models.DateTimeField(_("派单时间"), default=timezone.now)
    accept_deadline = models.DateTimeField(_("签收时限"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    returned_at = models.DateTimeField(_("退单时间"), null=True, blank=True)
    return_reason = models.TextField(_("退单理由"), blank=True)

    class Meta:
        verbose_name = _("派单记录")
        verbose_name_plural = _("派单记录")
        ordering = ["dispatched_at", "id"]
        indexes = [
            models.Index(fields=["unit", "status"]),
            # Makes the per-order visibility probe of department users index-only (PostgreSQL).
            models.Index(fields=["order", "unit"], include=["status"], name="orders_asg_order_unit"),
        ]

    def __str__(self):
        return f"{self.order_id} → {self.unit} ({self.get_role_display()})"


class Reply(models.Model):
    """A unit's answer (答复) to an order, and its review."""

    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="replies")
    unit = models.ForeignKey("directory.Department", verbose_name=_("答复单位"), null=True, on_delete=models.PROTECT)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    result = models.CharField(_("办理结果"), max_length=20, choices=ReplyResult.choices)
    content = models.TextField(_("答复内容"))
    reason = models.TextField(_("无法解决的原因"), blank=True)
    direct = models.BooleanField(_("直接答复"), default=False)
    created_at = models.DateTimeField(_("答复时间"), default=timezone.now)
    review_status = models.CharField(
        _("审核"), max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_note = models.TextField(_("审核意见"), blank=True)

    class Meta:
        verbose_name = _("答复")
        verbose_name_plural = _("答复")
        ordering = ["created_at", "id"]


class ExtensionRequest(models.Model):
    """A unit's request for more working days (延期), decided by a dispatcher."""

    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="extensions")
    unit = models.ForeignKey("directory.Department", verbose_name=_("申请单位"), on_delete=models.PROTECT)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    workdays = models.PositiveSmallIntegerField(_("延期工作日"))
    reason = models.TextField(_("延期理由"))
    status = models.CharField(_("状态"), max_length=20, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING)
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)
    old_due_at = models.DateTimeField(_("原时限"), null=True, blank=True)
    new_due_at = models.DateTimeField(_("新时限"), null=True, blank=True)

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        ordering = ["requested_at", "id"]


class Supervision(models.Model):
    """催办 / 督办 / 通报 issued by a supervisor on an open order."""

    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="supervisions")
    kind = models.CharField(_("类型"), max_length=20, choices=SupervisionKind.choices)
    unit = models.ForeignKey("directory.Department", verbose_name=_("对象单位"), null=True, on_delete=models.PROTECT)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(_("内容"))
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("督办")
        verbose_name_plural = _("督办")
        ordering = ["created_at", "id"]


class Notification(models.Model):
    """A message for a unit's staff or one user; the table is the outbox."""

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="notifications")
    unit = models.ForeignKey("directory.Department", null=True, blank=True, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE)
    kind = models.CharField(_("类型"), max_length=30)
    message = models.CharField(_("内容"), max_length=300)
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("已读"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at"]

    def __str__(self):
        return self.message
