"""The period picker every dashboard shares: ?from=YYYY-MM-DD&to=YYYY-MM-DD.

A period is a range of local dates, both ends included, as the metrics and
call-centre modules count them. Without dates, or with bad ones, the page
shows the last 30 days and the form says what was wrong.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

DEFAULT_DAYS = 30
MAX_DAYS = 366  # one year and a leap day: longer periods make unreadable daily charts


class PeriodForm(forms.Form):
    """`from` and `to` are Python keywords, so the fields are added by name."""

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        for name, label in (("from", gettext_lazy("开始日期")), ("to", gettext_lazy("结束日期"))):
            # <input type="date"> only takes ISO dates, whatever the locale's display format.
            widget = forms.DateInput({"type": "date"}, format="%Y-%m-%d")
            self.fields[name] = forms.DateField(label=label, widget=widget, input_formats=["%Y-%m-%d"])

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("from"), cleaned.get("to")
        if start and end:
            if end < start:
                raise forms.ValidationError(_("结束日期早于开始日期。"))
            if (end - start).days + 1 > MAX_DAYS:
                raise forms.ValidationError(_("时段最长 %(n)d 天，请缩短。") % {"n": MAX_DAYS})
        return cleaned


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    form: PeriodForm

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=offset) for offset in range((self.end - self.start).days + 1)]

    @property
    def label(self) -> str:
        return _("%(start)s 至 %(end)s") % {"start": self.start.isoformat(), "end": self.end.isoformat()}


def default_period(today: date | None = None) -> tuple[date, date]:
    end = today or timezone.localdate()
    return end - timedelta(days=DEFAULT_DAYS - 1), end


def period_from(request) -> Period:
    """The period asked for in the query string, or the last 30 days (with the form's errors shown)."""
    start, end = default_period()
    if "from" not in request.GET and "to" not in request.GET:
        return Period(start, end, PeriodForm(initial={"from": start, "to": end}))
    form = PeriodForm(request.GET)
    if form.is_valid():
        return Period(form.cleaned_data["from"], form.cleaned_data["to"], form)
    return Period(start, end, form)


def month_from(request, fallback: date) -> tuple[date, str]:
    """The scorecard month (?month=YYYY-MM) as its first day, and an error text if it was bad."""
    raw = request.GET.get("month", "")
    if raw:
        try:
            year, month = (int(part) for part in raw.split("-"))
            return date(year, month, 1), ""
        except ValueError:
            return fallback.replace(day=1), _("考核月份“%(value)s”无效，应为 YYYY-MM。") % {"value": raw}
    return fallback.replace(day=1), ""


def quick_ranges(today: date | None = None) -> list[tuple[str, date, date]]:
    """Shortcuts beside the picker: the last 7 and 30 days, this month so far, last month."""
    today = today or timezone.localdate()
    first = today.replace(day=1)
    last_month_end = first - timedelta(days=1)
    return [
        (_("近 7 天"), today - timedelta(days=6), today),
        (_("近 30 天"), today - timedelta(days=DEFAULT_DAYS - 1), today),
        (_("本月"), first, today),
        (_("上月"), last_month_end.replace(day=1), last_month_end),
    ]
