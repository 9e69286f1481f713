from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from rexian.metrics.definitions import KPIS


class ScorecardIndicator(models.Model):
    """One indicator of the monthly department scorecard (考核), with its weight."""

    kpi = models.CharField(
        _("指标"), max_length=40, unique=True, choices=[(kpi.key, kpi.label) for kpi in KPIS if kpi.is_rate]
    )
    weight = models.PositiveSmallIntegerField(_("权重"), validators=[MinValueValidator(1), MaxValueValidator(100)])
    higher_is_better = models.BooleanField(_("越高越好"), default=True, help_text=_("退单率等越低越好的指标取消勾选"))
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("考核指标")
        verbose_name_plural = _("考核指标")
        ordering = ["-weight", "kpi"]

    def __str__(self):
        return f"{self.get_kpi_display()} ×{self.weight}"
