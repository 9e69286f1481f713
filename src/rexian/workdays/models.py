from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class HolidayNotice(models.Model):
    """The State Council's holiday notice for one year, entered by an admin.

    A year is "known" when the bundled calendar covers it or a notice has been
    entered; deadlines reaching an unknown year are marked provisional.
    """

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    title = models.CharField(_("通知名称/文号"), max_length=200, blank=True)
    entered_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("节假日通知")
        verbose_name_plural = _("节假日通知")
        ordering = ["-year"]

    def __str__(self):
        return f"{self.year} {self.title}"


class OverrideKind(models.TextChoices):
    HOLIDAY = "holiday", _("放假")
    WORKDAY = "workday", _("调休上班")


class CalendarOverride(models.Model):
    """One day whose status differs from the bundled calendar or Monday–Friday."""

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=OverrideKind.choices)
    note = models.CharField(_("说明"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("日历调整")
        verbose_name_plural = _("日历调整")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()} {self.note}"

    def clean(self):
        if self.date and not (2000 <= self.date.year <= 2100):
            raise ValidationError({"date": _("日期超出支持范围 (2000–2100)。")})
