"""Working days on the official calendar, with 调休.

Sources, in order: the admin's override table, then the bundled
`chinesecalendar` data (2004–2026 at the time of writing), then plain
Monday–Friday. A result that needed the Monday–Friday guess is *provisional*
and says so, so nobody silently trusts a deadline in a year whose holidays
have not been published yet.
"""

import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock

import chinese_calendar
from django.utils import timezone

_CACHE_SECONDS = 60
_lock = threading.Lock()
# loaded_at None means "load on next use": time.monotonic() counts from boot, so
# a 0.0 sentinel would look fresh for the first minute after a machine starts.
_cache: dict = {"loaded_at": None, "overrides": {}, "notice_years": frozenset()}


def clear_cache(**_kwargs) -> None:
    with _lock:
        _cache["loaded_at"] = None


def clear_cache_now_and_after_commit(**_kwargs) -> None:
    """Clear at once and again after the commit: another thread may reload the old rows in between."""
    from django.db import transaction

    clear_cache()
    transaction.on_commit(clear_cache)


def _snapshot() -> tuple[dict, frozenset]:
    """Overrides and notice years, reloaded at most once a minute per process."""
    from rexian.workdays.models import CalendarOverride, HolidayNotice

    with _lock:
        if _cache["loaded_at"] is None or time.monotonic() - _cache["loaded_at"] > _CACHE_SECONDS:
            _cache["overrides"] = dict(CalendarOverride.objects.values_list("date", "kind"))
            _cache["notice_years"] = frozenset(HolidayNotice.objects.values_list("year", flat=True))
            _cache["loaded_at"] = time.monotonic()
        return _cache["overrides"], _cache["notice_years"]


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
    overrides, notice_years = _snapshot()
    kind = overrides.get(day)
    if kind is not None:
        return DayStatus(kind == "workday", False)
    bundled = _bundled_status(day)
    if bundled is not None:
        return DayStatus(bundled, False)
    return DayStatus(day.weekday() < 5, day.year not in notice_years)


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
