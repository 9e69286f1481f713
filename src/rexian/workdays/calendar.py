"""Working days on the official calendar, with 调休.

Sources, in order: the admin's override table, then the bundled
`chinesecalendar` data (2004–2026 at the time of writing), then plain
Monday–Friday. A result that needed the Monday–Friday guess is *provisional*
and says so, so nobody silently trusts a deadline in a year whose holidays
have not been published yet.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock

import chinese_calendar
from django.utils import timezone

from rexian.core.snapshot import Snapshot


@dataclass
class _Calendar:
    overrides: dict
    notice_years: frozenset
    # day → DayStatus, filled as days are asked for: a 15-working-day deadline
    # looks at three weeks of days, and every intake asks for the same ones.
    statuses: dict = field(default_factory=dict)


def _load() -> _Calendar:
    from rexian.workdays.models import CalendarOverride, HolidayNotice

    return _Calendar(
        overrides=dict(CalendarOverride.objects.values_list("date", "kind")),
        notice_years=frozenset(HolidayNotice.objects.values_list("year", flat=True)),
    )


snapshot = Snapshot(_load)
clear_cache = snapshot.clear


def _bundled_status(day: date) -> bool | None:
    """True/False from the bundled calendar, None where it has no data."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None


@dataclass(frozen=True)
class DayStatus:
    workday: bool
    provisional: bool


def day_status(day: date) -> DayStatus:
    calendar = snapshot.get()
    status = calendar.statuses.get(day)
    if status is None:
        status = calendar.statuses[day] = _status(day, calendar)
    return status


def _status(day: date, calendar: _Calendar) -> DayStatus:
    kind = calendar.overrides.get(day)
    if kind is not None:
        return DayStatus(kind == "workday", False)
    bundled = _bundled_status(day)
    if bundled is not None:
        return DayStatus(bundled, False)
    return DayStatus(day.weekday() < 5, day.year not in calendar.notice_years)


def is_workday(day: date) -> bool:
    return day_status(day).workday


@dataclass(frozen=True)
class Deadline:
    at: datetime
    provisional: bool


MAX_WORKING_DAYS = 366


def add_working_days(start: datetime, days: int) -> Deadline:
    """The end (23:59:59, local time) of the `days`-th working day after `start`'s day.

    "3 个工作日内" counts from the next working day, so a request taken on
    Friday with 1 working day is due at the end of Monday, and one taken on a
    holiday starts counting after it.
    """
    if not 1 <= days <= MAX_WORKING_DAYS:
        raise ValueError(f"working days must be between 1 and {MAX_WORKING_DAYS}, got {days}")
    local = timezone.localtime(start)
    day, counted, provisional = local.date(), 0, False
    while counted < days:
        day += timedelta(days=1)
        status = day_status(day)
        provisional = provisional or status.provisional
        counted += status.workday
    end_of_day = datetime.combine(day, clock(23, 59, 59), tzinfo=local.tzinfo)
    return Deadline(end_of_day, provisional)


def add_hours(start: datetime, hours: float) -> Deadline:
    """Clock-time limits (emergencies, minutes-level acceptance) ignore holidays."""
    return Deadline(start + timedelta(hours=hours), False)


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_workday(day)
    return count
