"""Which time limits apply to an order (DeadlinePolicy) and where its deadlines fall."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from rexian.directory.models import Category
from rexian.orders.intake_forms import IntakeForm
from rexian.orders.models import DeadlinePolicy
from rexian.orders.services import intake
from rexian.orders.services.deadlines import Limits, limits_for
from rexian.workdays.models import HolidayNotice

SHANGHAI = ZoneInfo("Asia/Shanghai")


WORKDAY_1 = ("workdays", 1)


@pytest.fixture
def water(db):
    """水电气暖 / 供水 / 停水: a category whose acceptance limit is 30 minutes (Tianjin rules)."""
    root = Category.objects.create(code="02", name="水电气暖")
    middle = Category.objects.create(code="0201", name="供水", parent=root)
    leaf = Category.objects.create(code="020101", name="停水", parent=middle)
    DeadlinePolicy.objects.create(name="水电气暖 30 分钟签收", category=root, accept_minutes=30)
    return {"root": root, "middle": middle, "leaf": leaf}


@pytest.fixture
def register_at(users, city):
    """Register an order through the intake form at a given moment."""

    def register(when, **overrides):
        data = {"phone": "13812345678", "order_type": "complaint", "title": "停水", "content": "整栋楼停水",
                "category": city["category"].code, **overrides}
        form = IntakeForm(data=data)
        assert form.is_valid(), form.errors
        return intake.create_order(users["agent"], form.cleaned_data, now=when)

    return register


def test_the_migration_seeds_the_default_policies(db):
    seeded = {p.name: p for p in DeadlinePolicy.objects.filter(active=True)}
    assert {"默认时限", "咨询类", "求助类", "投诉类", "举报类", "建议类", "特急（危及生命财产）", "紧急"} <= set(seeded)
    emergency = seeded["特急（危及生命财产）"]
    assert (emergency.urgency, emergency.accept_minutes, emergency.handle_hours) == ("emergency", 15, 24)


@pytest.mark.parametrize(
    "order_type,urgency,expected",
    [
        ("complaint", "normal", Limits(WORKDAY_1, ("workdays", 15), ("workdays", 2))),
        ("report", "normal", Limits(WORKDAY_1, ("workdays", 15), ("workdays", 2))),
        ("consult", "normal", Limits(WORKDAY_1, ("workdays", 3), ("workdays", 2))),
        ("help", "normal", Limits(WORKDAY_1, ("workdays", 3), ("workdays", 2))),
        ("praise", "normal", Limits(WORKDAY_1, ("workdays", 15), ("workdays", 2))),
        ("complaint", "emergency", Limits(("minutes", 15), ("hours", 24), ("workdays", 1))),
        ("consult", "emergency", Limits(("minutes", 15), ("hours", 24), ("workdays", 1))),
        ("complaint", "urgent", Limits(("minutes", 120), ("workdays", 3), ("workdays", 2))),
    ],
)
def test_the_default_limits(city, order_type, urgency, expected):
    assert limits_for(city["category"], order_type, urgency) == expected


def test_a_category_policy_covers_its_sub_categories(water):
    for category in water.values():
        limits = limits_for(category, "complaint", "normal")
        assert limits.accept == ("minutes", 30)
        assert limits.handle == ("workdays", 15)  # the policy sets no handling limit: the type's applies


def test_an_emergency_beats_the_category(water):
    assert limits_for(water["leaf"], "consult", "emergency").accept == ("minutes", 15)


def test_a_deeper_category_beats_a_shallower_one(water):
    DeadlinePolicy.objects.create(name="供水 20 分钟", category=water["middle"], accept_minutes=20)
    assert limits_for(water["leaf"], "complaint", "normal").accept == ("minutes", 20)
    assert limits_for(water["root"], "complaint", "normal").accept == ("minutes", 30)


def test_an_inactive_policy_is_ignored(water):
    DeadlinePolicy.objects.filter(category=water["root"]).update(active=False)
    DeadlinePolicy.objects.filter(name="咨询类").update(active=False)
    assert limits_for(water["leaf"], "consult", "normal") == Limits(WORKDAY_1, ("workdays", 15), ("workdays", 2))


def test_a_category_policy_does_not_reach_other_categories(water, city):
    assert limits_for(city["category"], "complaint", "normal").accept == WORKDAY_1


def test_it_refuses_a_policy_with_two_units_for_one_limit():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        DeadlinePolicy(name="x", accept_minutes=30, accept_workdays=1, handle_hours=2, handle_workdays=3).clean()
    assert set(caught.value.message_dict) == {"accept_minutes", "handle_hours"}


def test_an_emergency_order_is_due_in_24_hours_and_accepted_in_15_minutes(register_at, carry, clock):
    order = register_at(clock(), urgency="emergency")
    assert order.due_at == clock() + dt.timedelta(hours=24)
    clock.advance(minutes=7)
    order = carry(order, "dispatch")
    assert order.accept_deadline == clock() + dt.timedelta(minutes=15)
    assert order.assignments.get().accept_deadline == order.accept_deadline


def test_a_water_order_must_be_accepted_in_30_minutes(register_at, water, carry, clock):
    order = carry(register_at(clock(), category="020101"), "dispatch")
    assert order.accept_deadline == clock() + dt.timedelta(minutes=30)


def test_an_ordinary_order_must_be_accepted_by_the_end_of_the_next_working_day(register_at, carry, clock):
    clock.set(dt.datetime(2026, 3, 6, 16, 0, tzinfo=SHANGHAI))  # a Friday
    order = carry(register_at(clock()), "dispatch")
    assert order.accept_deadline == dt.datetime(2026, 3, 9, 23, 59, 59, tzinfo=SHANGHAI)


def test_a_consult_is_due_in_three_working_days(register_at):
    order = register_at(dt.datetime(2026, 3, 6, 16, 0, tzinfo=SHANGHAI), order_type="consult")
    assert order.due_at == dt.datetime(2026, 3, 11, 23, 59, 59, tzinfo=SHANGHAI)


def test_a_deadline_in_a_year_without_a_calendar_is_provisional(register_at):
    # 15 working days from Monday 2026-12-14 reach into 2027, whose holidays are not bundled:
    # counted Monday–Friday (New Year's Day included) and flagged.
    order = register_at(dt.datetime(2026, 12, 14, 9, 0, tzinfo=SHANGHAI))
    assert order.due_at == dt.datetime(2027, 1, 4, 23, 59, 59, tzinfo=SHANGHAI)
    assert order.due_provisional is True
    assert order.events.get().data["provisional"] is True


def test_a_deadline_within_known_years_is_not_provisional(register_at):
    order = register_at(dt.datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI))
    assert order.due_provisional is False


def test_an_acceptance_deadline_in_2027_is_provisional(register_at, carry, clock):
    clock.set(dt.datetime(2026, 12, 31, 15, 0, tzinfo=SHANGHAI))
    order = carry(register_at(clock()), "dispatch")
    assert order.accept_deadline == dt.datetime(2027, 1, 1, 23, 59, 59, tzinfo=SHANGHAI)
    assert order.accept_provisional is True


def test_the_holiday_notice_for_2027_makes_its_deadlines_firm(register_at):
    HolidayNotice.objects.create(year=2027, title="国务院办公厅关于2027年部分节假日安排的通知")
    order = register_at(dt.datetime(2026, 12, 14, 9, 0, tzinfo=SHANGHAI))
    assert order.due_provisional is False


def test_an_extension_into_2027_makes_the_deadline_provisional(register_at, carry, clock):
    clock.set(dt.datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI))
    order = carry(register_at(clock()), "dispatch", "accept",
                  ("request_extension", "housing", {"workdays": 10, "reason": "协调"}),
                  ("approve_extension", "dispatcher", {}))
    assert order.due_at.year == 2027
    assert order.due_provisional is True
