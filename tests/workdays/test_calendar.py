"""Working days on the official calendar, with 调休, overrides and unknown years.

Known days are checked against chinese_calendar (bundled data, 2004–2026):
2026 New Year: 01-01..03 off, Sunday 01-04 worked; 春节: 02-15..23 off, Saturdays
02-14 and 02-28 worked; National Day: 10-01..07 off, Saturday 10-10 worked.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from rexian.workdays import calendar
from rexian.workdays.calendar import add_hours, add_working_days, day_status, is_workday, working_days_between
from rexian.workdays.models import CalendarOverride, HolidayNotice

SHANGHAI = ZoneInfo("Asia/Shanghai")
D = dt.date.fromisoformat


def at(day: str, hour=10, minute=0) -> dt.datetime:
    return dt.datetime.combine(D(day), dt.time(hour, minute), tzinfo=SHANGHAI)


def end_of(day: str) -> dt.datetime:
    return dt.datetime.combine(D(day), dt.time(23, 59, 59), tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    "day,workday",
    [
        ("2026-01-01", False), ("2026-01-02", False), ("2026-01-03", False), ("2026-01-04", True),
        ("2026-02-14", True), ("2026-02-15", False), ("2026-02-17", False), ("2026-02-23", False),
        ("2026-02-24", True), ("2026-02-28", True),
        ("2026-10-01", False), ("2026-10-07", False), ("2026-10-08", True), ("2026-10-10", True),
        ("2026-10-11", False), ("2026-03-07", False), ("2026-03-09", True),
    ],
)
def test_known_days_follow_the_official_calendar(day, workday):
    assert chinese_calendar.is_workday(D(day)) is workday  # the bundled data says so
    assert is_workday(D(day)) is workday
    assert day_status(D(day)).provisional is False


def test_one_working_day_after_a_friday_ends_on_monday():
    deadline = add_working_days(at("2026-03-06", 15), 1)
    assert deadline.at == end_of("2026-03-09")
    assert deadline.at.tzinfo.key == "Asia/Shanghai"
    assert deadline.provisional is False


def test_counting_starts_from_the_local_day_of_a_utc_start():
    # 17:30 UTC on Thursday is 01:30 on Friday in Shanghai: one working day is Monday.
    start = dt.datetime(2026, 3, 5, 17, 30, tzinfo=dt.timezone.utc)
    assert add_working_days(start, 1).at == end_of("2026-03-09")


def test_a_request_on_a_holiday_counts_from_after_it():
    assert add_working_days(at("2026-10-03"), 1).at == end_of("2026-10-08")


def test_the_spring_festival_is_skipped_and_its_make_up_saturdays_count():
    assert add_working_days(at("2026-02-13"), 1).at == end_of("2026-02-14")  # 调休 Saturday
    assert add_working_days(at("2026-02-13"), 2).at == end_of("2026-02-24")
    assert add_working_days(at("2026-02-14"), 1).at == end_of("2026-02-24")
    assert add_working_days(at("2026-02-13"), 6).at == end_of("2026-02-28")  # 24, 25, 26, 27, 28
    assert working_days_between(D("2026-02-13"), D("2026-02-14")) == 1


def test_national_day_is_skipped():
    assert add_working_days(at("2026-09-30"), 1).at == end_of("2026-10-08")
    assert add_working_days(at("2026-09-30"), 3).at == end_of("2026-10-10")  # 调休 Saturday


def test_working_days_between():
    assert working_days_between(D("2026-03-06"), D("2026-03-09")) == 1
    assert working_days_between(D("2026-03-02"), D("2026-03-02")) == 0
    assert working_days_between(D("2026-03-09"), D("2026-03-02")) == 0
    assert working_days_between(D("2026-12-31"), D("2026-01-01")) == 0
    assert working_days_between(D("2025-12-31"), D("2026-12-31")) == sum(
        chinese_calendar.is_workday(D("2026-01-01") + dt.timedelta(days=n)) for n in range(365))


@pytest.mark.parametrize("days", [0, -1, calendar.MAX_WORKING_DAYS + 1])
def test_it_refuses_an_impossible_number_of_working_days(days):
    with pytest.raises(ValueError):
        add_working_days(at("2026-03-02"), days)


def test_clock_time_limits_ignore_holidays():
    start = at("2026-09-30", 20)
    assert add_hours(start, 24).at == at("2026-10-01", 20)
    assert add_hours(start, 0.25).at == at("2026-09-30", 20, 15)
    assert add_hours(start, 24).provisional is False


# ---------------------------------------------------------------- overrides


def test_an_override_makes_a_weekday_a_holiday():
    CalendarOverride.objects.create(date=D("2026-03-04"), kind="holiday", note="台风停工")
    assert is_workday(D("2026-03-04")) is False
    assert add_working_days(at("2026-03-03"), 1).at == end_of("2026-03-05")


def test_an_override_makes_a_weekend_day_a_working_day():
    CalendarOverride.objects.create(date=D("2026-03-07"), kind="workday", note="补班")
    assert is_workday(D("2026-03-07")) is True
    assert add_working_days(at("2026-03-06"), 1).at == end_of("2026-03-07")


def test_overrides_take_precedence_over_the_bundled_calendar():
    CalendarOverride.objects.create(date=D("2026-10-05"), kind="workday")
    CalendarOverride.objects.create(date=D("2026-10-08"), kind="holiday")
    assert (is_workday(D("2026-10-05")), is_workday(D("2026-10-08"))) == (True, False)


def test_saving_or_deleting_an_override_clears_the_cache():
    day = D("2026-03-04")
    assert is_workday(day) is True  # now cached
    override = CalendarOverride.objects.create(date=day, kind="holiday")
    assert is_workday(day) is False
    override.kind = "workday"
    override.save()
    assert is_workday(day) is True
    CalendarOverride.objects.filter(pk=override.pk).get().delete()
    CalendarOverride.objects.create(date=D("2026-03-07"), kind="workday")
    override = CalendarOverride.objects.get(date=D("2026-03-07"))
    assert is_workday(D("2026-03-07")) is True
    override.delete()
    assert is_workday(D("2026-03-07")) is False


def test_overrides_apply_on_a_freshly_booted_machine(monkeypatch):
    # time.monotonic() counts from boot: right after boot it is below the 60 s
    # cache age, and the first look-up must still load the overrides.
    from rexian.core import snapshot

    monkeypatch.setattr(snapshot.time, "monotonic", lambda: 5.0)
    calendar.clear_cache()
    CalendarOverride.objects.create(date=D("2026-03-04"), kind="holiday")
    assert is_workday(D("2026-03-04")) is False


def test_an_override_outside_the_supported_range_is_invalid():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        CalendarOverride(date=D("1999-12-31"), kind="holiday").full_clean()


# ---------------------------------------------------------------- years without a calendar


def test_a_deadline_reaching_2027_is_provisional_and_counted_monday_to_friday():
    deadline = add_working_days(at("2026-12-30"), 3)  # Thu 31, Fri 2027-01-01 (guessed), Mon 01-04
    assert deadline.at == end_of("2027-01-04")
    assert deadline.provisional is True
    assert day_status(D("2027-01-01")) == calendar.DayStatus(workday=True, provisional=True)
    assert day_status(D("2027-01-02")) == calendar.DayStatus(workday=False, provisional=True)


def test_a_deadline_within_2026_is_not_provisional():
    assert add_working_days(at("2026-12-01"), 20).provisional is False


def test_the_holiday_notice_for_2027_makes_2027_firm():
    assert add_working_days(at("2026-12-30"), 3).provisional is True
    HolidayNotice.objects.create(year=2027, title="2027 年节假日安排")
    deadline = add_working_days(at("2026-12-30"), 3)
    assert deadline.provisional is False
    assert deadline.at == end_of("2027-01-04")


def test_an_override_in_2027_is_firm_and_counts():
    CalendarOverride.objects.create(date=D("2027-01-01"), kind="holiday", note="元旦")
    assert day_status(D("2027-01-01")) == calendar.DayStatus(workday=False, provisional=False)
    assert add_working_days(at("2026-12-31"), 1).at == end_of("2027-01-04")


# ---------------------------------------------------------------- properties

starts = st.datetimes(min_value=dt.datetime(2004, 1, 1), max_value=dt.datetime(2028, 12, 31, 23, 59, 59)).map(
    lambda naive: naive.replace(tzinfo=SHANGHAI)
)


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=starts, days=st.integers(1, 30))
def test_a_deadline_ends_a_working_day_exactly_n_working_days_later(start, days):
    deadline = add_working_days(start, days)
    local = deadline.at.astimezone(SHANGHAI)
    assert deadline.at > start
    assert local.time() == dt.time(23, 59, 59)
    assert is_workday(local.date())
    assert working_days_between(start.astimezone(SHANGHAI).date(), local.date()) == days
    # No earlier day would do: the day before the deadline has one working day fewer.
    assert working_days_between(start.astimezone(SHANGHAI).date(), local.date() - dt.timedelta(days=1)) == days - 1
    reaches_unknown_year = local.year > 2026
    assert deadline.provisional is reaches_unknown_year


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(day=st.dates(min_value=dt.date(2004, 1, 1), max_value=dt.date(2026, 12, 31)))
def test_every_bundled_day_matches_chinese_calendar(day):
    assert is_workday(day) is chinese_calendar.is_workday(day)
