"""The dispatch catalogue (派单目录), trained routing models, and recorded suggestions."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CatalogueSource(models.TextChoices):
    SANDING = "sanding", _("三定方案")
    DUTY_LIST = "duty_list", _("权责清单")
    AGREEMENT = "agreement", _("会商确定")
    OTHER = "other", _("其他")


class CatalogueRuleQuerySet(models.QuerySet):
    def in_force(self, today=None):
        """Active rules whose dates cover `today` (失效日期 is the first day a rule no longer applies)."""
        today = today or timezone.localdate()
        return self.filter(active=True).filter(
            Q(effective_from__isnull=True) | Q(effective_from__lte=today),
            Q(expires_on__isnull=True) | Q(expires_on__gt=today),
        )


class CatalogueRule(models.Model):
    """Category (optionally narrowed by area and keywords) → responsible lead unit.

    国办函〔2025〕66号: the catalogue is drawn from 三定 and 权责清单 and applied
    before anything else; the model's suggestions only fill its gaps.
    """

    category = models.ForeignKey("directory.Category", verbose_name=_("诉求分类"), on_delete=models.CASCADE)
    area_code = models.CharField(_("区划代码前缀"), max_length=12, blank=True, help_text=_("留空适用全市"))
    keywords = models.CharField(_("关键词"), max_length=300, blank=True, help_text=_("以逗号分隔，任一出现即匹配；留空不限"))
    lead_unit = models.ForeignKey(
        "directory.Department", verbose_name=_("主办单位"), on_delete=models.PROTECT, related_name="catalogue_rules"
    )
    assisting_units = models.ManyToManyField(
        "directory.Department", verbose_name=_("协办单位"), blank=True, related_name="assisting_catalogue_rules"
    )
    source = models.CharField(_("依据"), max_length=20, choices=CatalogueSource.choices, default=CatalogueSource.DUTY_LIST)
    source_reference = models.CharField(_("依据条款"), max_length=200, blank=True)
    effective_from = models.DateField(_("生效日期"), null=True, blank=True)
    expires_on = models.DateField(_("失效日期"), null=True, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects = CatalogueRuleQuerySet.as_manager()

    def clean(self):
        from rexian.routing.catalogue import clean_rule  # the catalogue module holds the rules' logic

        clean_rule(self)

    class Meta:
        verbose_name = _("派单目录")
        verbose_name_plural = _("派单目录")
        ordering = ["category__path", "area_code"]

    def __str__(self):
        return f"{self.category} → {self.lead_unit}"

    @property
    def keyword_list(self) -> list[str]:
        return [word.strip() for word in self.keywords.replace("，", ",").split(",") if word.strip()]


class ModelKind(models.TextChoices):
    CATEGORY = "category", _("诉求分类")
    UNIT = "unit", _("承办单位")


class RoutingModelVersion(models.Model):
    """One trained classifier; exactly one per kind is active, older ones can be re-activated."""

    kind = models.CharField(_("预测对象"), max_length=10, choices=ModelKind.choices)
    created_at = models.DateTimeField(_("训练时间"), default=timezone.now)
    training_orders = models.PositiveIntegerField(_("训练工单数"))
    labels = models.PositiveIntegerField(_("类别数"))
    metrics = models.JSONField(_("评估指标"), default=dict)
    model = models.BinaryField(_("模型"))
    active = models.BooleanField(_("当前使用"), default=False)
    # Set when the weights were cleared under REXIAN_ROUTING_KEEP_MODELS (`model` is then empty).
    pruned_at = models.DateTimeField(_("权重清除时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("分派模型版本")
        verbose_name_plural = _("分派模型版本")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["kind"], condition=Q(active=True), name="one_active_model_per_kind")
        ]

    @property
    def not_activated(self) -> str:
        """Why a scheduled retraining left this version inactive ("" for an active one, or none given)."""
        return "" if self.active else self.metrics.get("not_activated", "")

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk} {self.created_at:%Y-%m-%d %H:%M}"


class Suggestion(models.Model):
    """What routing suggested for an order, and what became of it (taken? returned?)."""

    order = models.ForeignKey("orders.WorkOrder", on_delete=models.CASCADE, related_name="routing_suggestions")
    kind = models.CharField(max_length=10, choices=ModelKind.choices)
    model_version = models.ForeignKey(RoutingModelVersion, null=True, blank=True, on_delete=models.SET_NULL)
    candidates = models.JSONField(default=list)  # [{"code", "name", "probability", "source"}], best first
    catalogue_code = models.CharField(max_length=32, blank=True)
    preselected = models.BooleanField(default=False)
    chosen_code = models.CharField(max_length=32, blank=True)
    taken = models.BooleanField(null=True)  # chosen == best candidate; None until chosen
    returned = models.BooleanField(default=False)  # the chosen unit returned the order
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["order", "kind"], name="one_suggestion_per_order_kind")]
        indexes = [models.Index(fields=["kind", "created_at"])]


class RoutingKindState(models.Model):
    """Per kind of model: whether an administrator pinned the active version, and the
    scheduled retraining's claim.

    The row is also the lock that serialises activations of that kind (see
    training.activate_version): two of them at once would otherwise both pass
    and one would fail on one_active_model_per_kind.
    """

    kind = models.CharField(_("预测对象"), max_length=10, choices=ModelKind.choices, primary_key=True)
    # Set by a rollback: the scheduled retraining leaves this kind alone until
    # someone trains explicitly or resumes it.
    pinned_at = models.DateTimeField(_("锁定时间"), null=True, blank=True)
    pinned_by = models.CharField(_("锁定人"), max_length=150, blank=True)
    # A worker's claim on the scheduled retraining (a lease: a crashed training
    # is retried once it has expired), and when the last scheduled attempt ended.
    retrain_claimed_at = models.DateTimeField(_("定时重训开始"), null=True, blank=True)
    retrain_attempted_at = models.DateTimeField(_("上次定时重训"), null=True, blank=True)

    class Meta:
        verbose_name = _("分派模型状态")
        verbose_name_plural = _("分派模型状态")

    def __str__(self):
        return self.get_kind_display()
