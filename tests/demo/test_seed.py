"""The demo city (`rexian demo`): reference data, logins, and orders whose histories hold together.

The demo is seeded once for the module (60 orders, fast hashing) inside a
transaction rolled back at the end; each test reads it.
"""

import itertools
import re
from datetime import datetime, timedelta

import pytest
from django.db import transaction
from django.db.models import DateTimeField
from django.test import override_settings
from django.utils import timezone

from rexian.accounts.models import User
from rexian.accounts.roles import Role
from rexian.callbacks.choices import CallbackResult, CallbackStatus
from rexian.demo import city as democity
from rexian.demo import timeline
from rexian.demo.seed import seed_demo
from rexian.directory.models import Category, Department
from rexian.orders.choices import State
from rexian.orders.models import (
    Assignment,
    Citizen,
    DeadlinePolicy,
    WorkOrder,
    WorkOrderEvent,
)
from rexian.orders.services import deadlines

ORDERS = 60
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast, transaction.atomic():
        started = timezone.now()
        result = seed_demo(orders=ORDERS)
        yield {"result": result, "started": started, "finished": timezone.now()}
        transaction.set_rollback(True)


@pytest.fixture
def orders(demo):
    return WorkOrder.objects.filter(created_by__username__in=["agent", "dispatcher"])


def _events(order):
    return list(order.events.order_by("created_at", "id"))


def test_it_builds_units_on_three_levels(demo):
    units = Department.objects.all()
    assert 25 <= units.count() <= 35
    assert {"city", "district", "street"} <= set(units.values_list("level", flat=True))
    assert {1, 2, 3} == set(units.values_list("depth", flat=True))
    street = Department.objects.get(code="D01-S01")
    assert street.parent.code == "D01" and street.level == "street"
    assert {"ZJJ", "CGJ", "STJ", "SJJ", "RSJ", "JYJ", "WJW", "JTJ", "GAJ", "SWJT", "GDGS", "RQGS", "RLGS"} <= set(
        units.values_list("code", flat=True)
    )


def test_it_builds_categories_with_two_digits_per_level(demo):
    categories = Category.objects.all()
    assert 70 <= categories.count() <= 95
    assert {1, 2, 3} == set(categories.values_list("depth", flat=True))
    for category in categories:
        assert re.fullmatch(r"\d{2}" * category.depth, category.code), category.code
        if category.parent_id:
            assert category.code.startswith(category.parent.code)
    utilities = Category.objects.get(code="10")
    assert utilities.name == "水电气暖"
    assert {"停水", "停电", "燃气", "供暖"} == set(utilities.children.values_list("name", flat=True))


def test_it_adds_the_thirty_minute_rule_for_utilities(demo):
    policy = DeadlinePolicy.objects.get(name=democity.UTILITIES_POLICY)
    assert policy.category.code == "10" and policy.accept_minutes == 30
    gas = Category.objects.get(code="100301")
    assert deadlines.limits_for(gas, "help", "normal").accept == ("minutes", 30)
    # An emergency keeps its 15 minutes: urgency is the most specific rule.
    assert deadlines.limits_for(gas, "help", "emergency").accept == ("minutes", 15)


def test_it_creates_a_login_per_role_with_the_documented_password(demo):
    for role in Role.values:
        assert User.objects.filter(role=role, is_active=True).exists(), role
    for username in ["agent", "dispatcher", "reviewer", "callback", "supervisor", "demo-admin", "zjj", "cgj", "d01s01"]:
        assert User.objects.get(username=username).check_password(democity.DEMO_PASSWORD), username
    assert User.objects.get(username="d01s01").department.code == "D01-S01"
    assert User.objects.get(username="demo-admin").is_superuser
    assert democity.DEMO_PASSWORD in demo["result"].summary()


def test_it_creates_orders_in_every_state(demo, orders):
    assert orders.count() == ORDERS == demo["result"].orders_created
    assert set(orders.values_list("state", flat=True)) == set(State.values)
    assert orders.overdue().exists()
    assert orders.due_soon().exists()


def test_it_does_not_seed_twice(demo, orders):
    def snapshot():
        return (Department.objects.count(), Category.objects.count(), User.objects.count(), DeadlinePolicy.objects.count(),
                WorkOrder.objects.count(), WorkOrderEvent.objects.count(), Citizen.objects.count())

    before = snapshot()
    again = seed_demo(orders=ORDERS)
    assert snapshot() == before
    assert again.orders_created == 0 and again.orders_existing == ORDERS
    assert not again.city.users_created and not again.city.departments_created and not again.city.categories_created
    assert "未重复生成" in again.summary()


def test_every_event_chain_ends_in_the_orders_state(orders):
    for order in orders:
        events = _events(order)
        assert events[0].action == "register", order.number
        assert events[-1].to_state == order.state, (order.number, [e.action for e in events])
        for before, after in itertools.pairwise(events):
            assert after.from_state == before.to_state, (order.number, before.action, after.action)


def test_closed_orders_were_called_back_or_exempted(orders):
    for order in orders.filter(state=State.CLOSED):
        called = order.callbacks.filter(status__in=[CallbackStatus.DONE, CallbackStatus.UNREACHABLE]).exists()
        assert called or order.callback_exemption, order.number


def test_histories_show_every_kind_of_step(orders):
    actions = set(WorkOrderEvent.objects.filter(order__in=orders).values_list("action", flat=True))
    assert {
        "register", "dispatch", "accept", "return", "reassign", "designate", "pass_down", "reply", "approve", "reject",
        "request_extension", "approve_extension", "reject_extension", "urge", "supervise", "callback",
        "callback_attempt", "redo", "merge", "merge_in", "follow_master", "direct_answer", "transfer", "void",
    } <= actions
    results = set(orders.values_list("callbacks__result", flat=True))
    assert set(CallbackResult.values) <= results
    assert orders.filter(callbacks__reopened=True).exists()


def test_steps_happened_over_the_last_ninety_days_in_order(demo, orders):
    now = demo["finished"]
    events = WorkOrderEvent.objects.filter(order__in=orders)
    first, last = min(e.created_at for e in events), max(e.created_at for e in events)
    assert now - timedelta(days=91) < first and last < demo["started"]
    assert last - first > timedelta(days=60)
    for order in orders:
        assert all(event.created_at >= order.created_at for event in _events(order)), order.number
    # Handling takes time: the median order took hours, not the milliseconds the seeder spent on it.
    closed = sorted(o.closed_at - o.created_at for o in orders.filter(state=State.CLOSED) if o.callbacks.exists())
    assert closed[len(closed) // 2] > timedelta(hours=12)


def test_no_timestamp_was_left_on_the_seeders_clock(demo):
    # Every value stamped with the real time a step ran at was moved to its story's time.
    window = (demo["started"], demo["finished"])
    for model in timeline.order_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, DateTimeField):
                stray = model._base_manager.filter(**{f"{field.name}__range": window})
                assert not stray.exists(), (model.__name__, field.name)


def test_deadlines_follow_the_simulated_times(orders):
    for assignment in Assignment.objects.filter(order__in=orders).select_related("order__category"):
        order = assignment.order
        limits = deadlines.limits_for(order.category, order.order_type, order.urgency)
        assert assignment.accept_deadline == deadlines.deadline_after(assignment.dispatched_at, limits.accept).at
    for event in WorkOrderEvent.objects.filter(order__in=orders, action="approve_extension"):
        extension = event.order.extensions.get(decided_at=event.created_at)
        assert extension.new_due_at > extension.old_due_at
        assert datetime.fromisoformat(event.data["new_due_at"]) == extension.new_due_at


def test_citizens_have_obviously_fake_numbers(orders):
    for phone in Citizen.objects.filter(orders__in=orders).values_list("phone", flat=True):
        assert re.fullmatch(r"1\d{2}0000\d{4}", phone), phone
