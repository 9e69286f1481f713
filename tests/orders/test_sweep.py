"""The deadline sweep records 临期 and 超期 once per deadline, with a notification for the unit."""

import datetime as dt

import pytest

from rexian.orders.models import Notification, WorkOrderEvent
from rexian.orders.services.sweep import sweep


@pytest.fixture
def handling(make_order, carry):
    return carry(make_order(), "dispatch", "accept")


def _swept(order, action):
    return WorkOrderEvent.objects.filter(order=order, action=action)


def test_it_records_an_order_due_soon_once(handling, city):
    now = handling.due_at - dt.timedelta(hours=10)
    assert sweep(now).due_soon == 1
    [event] = _swept(handling, "due_soon")
    assert (event.from_state, event.to_state, event.unit, event.created_at) == ("handling", "handling", city["housing"], now)
    [notice] = Notification.objects.filter(order=handling, kind="due_soon")
    assert notice.unit == city["housing"] and handling.number in notice.message
    assert sweep(now + dt.timedelta(hours=1)).due_soon == 0
    assert _swept(handling, "due_soon").count() == 1
    assert Notification.objects.filter(order=handling, kind="due_soon").count() == 1


def test_it_leaves_an_order_alone_while_far_from_its_deadline(handling):
    result = sweep(handling.due_at - dt.timedelta(hours=25))
    assert (result.due_soon, result.overdue) == (0, 0)
    assert not result  # so the worker does not log an idle sweep
    assert not _swept(handling, "due_soon").exists()
    assert sweep(handling.due_at - dt.timedelta(hours=10))


def test_it_records_an_overdue_order_once(handling, city):
    now = handling.due_at + dt.timedelta(seconds=1)
    result = sweep(now)
    assert (result.overdue, result.due_soon) == (1, 0)
    handling.refresh_from_db()
    assert handling.overdue_notified_at == now
    assert Notification.objects.get(order=handling, kind="overdue").unit == city["housing"]
    assert sweep(now + dt.timedelta(days=1)).overdue == 0
    assert _swept(handling, "overdue").count() == 1
    assert handling.version == 3  # the sweep is not a workflow action


def test_it_records_an_order_first_due_soon_then_overdue(handling):
    sweep(handling.due_at - dt.timedelta(hours=1))
    sweep(handling.due_at + dt.timedelta(hours=1))
    assert list(handling.events.filter(action__in=["due_soon", "overdue"]).values_list("action", flat=True)) == [
        "due_soon", "overdue"]


def test_it_ignores_closed_orders(make_order, carry):
    order = carry(make_order(), "dispatch", "accept", "reply", "approve", "satisfied")
    assert order.state == "closed"
    result = sweep(order.due_at + dt.timedelta(days=1))
    assert (result.due_soon, result.overdue) == (0, 0)
    assert not order.events.filter(action__in=["due_soon", "overdue"]).exists()


@pytest.mark.parametrize("steps", [("reply",), ("reply", "approve")])
def test_an_answered_order_is_not_overdue_against_its_unit(handling, carry, steps):
    # The unit answered in time; review and callback are the centre's work.
    order = carry(handling, *steps)
    assert order.state in ("replied", "callback")
    result = sweep(order.due_at + dt.timedelta(days=2))
    assert (result.due_soon, result.overdue) == (0, 0)
    assert not Notification.objects.filter(order=order, kind__in=["due_soon", "overdue"]).exists()


def test_a_rejected_reply_puts_the_deadline_back_to_work(handling, carry):
    order = carry(handling, "reply", "reject")
    assert sweep(order.due_at + dt.timedelta(hours=1)).overdue == 1


def test_it_records_an_undispatched_order_without_notifying_anyone(make_order):
    order = make_order()
    assert sweep(order.due_at + dt.timedelta(minutes=1)).overdue == 1
    assert _swept(order, "overdue").get().unit is None
    assert not Notification.objects.filter(order=order).exists()


def test_an_approved_extension_arms_the_sweep_again(handling, carry, clock):
    first_due = handling.due_at
    sweep(first_due - dt.timedelta(hours=10))
    clock.set(first_due - dt.timedelta(hours=9))
    order = carry(handling, ("request_extension", "housing", {"workdays": 3, "reason": "等待配件"}),
                  ("approve_extension", "dispatcher", {}))
    assert order.due_soon_notified_at is None and order.overdue_notified_at is None
    assert sweep(first_due - dt.timedelta(hours=1)).due_soon == 0  # the new deadline is days away
    assert sweep(order.due_at - dt.timedelta(hours=2)).due_soon == 1
    assert sweep(order.due_at + dt.timedelta(hours=2)).overdue == 1
    assert _swept(order, "due_soon").count() == 2


def test_a_redo_arms_the_sweep_again(make_order, carry, clock):
    order = carry(make_order(), "dispatch", "accept")
    assert sweep(order.due_at + dt.timedelta(hours=1)).overdue == 1
    clock.set(order.due_at + dt.timedelta(hours=2))
    order = carry(order, "reply", "approve", ("callback", "callback", {"result": "dissatisfied", "reopen": True}))
    assert order.overdue_notified_at is None
    assert sweep(order.due_at + dt.timedelta(hours=1)).overdue == 1
    assert _swept(order, "overdue").count() == 2


def test_an_answered_order_no_longer_runs_late(make_order, carry):
    order = carry(make_order(), "dispatch", "accept", "reply")
    assert sweep(order.due_at + dt.timedelta(hours=1)).overdue == 0  # 待审核: the unit has answered
    assert not order.events.filter(action="overdue").exists()


def test_the_sweep_keeps_the_event_chain_unbroken(handling):
    sweep(handling.due_at - dt.timedelta(hours=1))
    sweep(handling.due_at + dt.timedelta(hours=1))
    events = list(handling.events.order_by("id"))
    for previous, event in zip(events, events[1:]):
        assert event.from_state == previous.to_state
