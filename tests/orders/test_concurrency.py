"""Two people act on one order at the same moment: exactly one wins.

These tests commit for real (transaction=True) so that each thread's
connection sees the other's work; the database is restored afterwards
(serialized_rollback) so the seeded deadline policies survive for later tests.
A short sleep inside each action's transaction makes the racers overlap.
"""

import dataclasses
import time

import pytest
from django.db import connection

from rexian.accounts.models import User
from rexian.orders.models import Assignment, WorkOrder
from rexian.orders.services import workflow
from rexian.orders.services.errors import Conflict, InvalidInput, InvalidTransition
from tests.racing import race

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def slow_actions(monkeypatch):
    """Hold each action's transaction open a little, so the racers truly overlap."""

    def slow(name):
        spec = workflow.ACTIONS[name]

        def run(ctx):
            time.sleep(0.05)
            spec.run(ctx)

        monkeypatch.setitem(workflow.ACTIONS, name, dataclasses.replace(spec, run=run))

    return slow


def _one_winner(results, loser_errors=(Conflict, InvalidTransition)):
    winners = [r for r in results if isinstance(r, WorkOrder)]
    losers = [r for r in results if not isinstance(r, WorkOrder)]
    assert len(winners) == 1, results
    assert len(losers) == 1 and isinstance(losers[0], loser_errors), results
    return results.index(winners[0])


def test_accept_and_return_at_once_only_one_happens(make_order, carry, users, slow_actions):
    slow_actions("accept")
    slow_actions("return")
    for _round in range(3):
        order = carry(make_order(), "dispatch")
        results = race(
            lambda: workflow.perform(order, "accept", users["housing"], {}),
            lambda: workflow.perform(order, "return", users["housing"], {"reason": "不归我管"}),
        )
        winner = _one_winner(results)
        order.refresh_from_db()
        actions = list(order.events.values_list("action", flat=True))
        assert actions == ["register", "dispatch", ["accept", "return"][winner]]
        assert order.state == ["handling", "returned"][winner]
        assert order.version == 3
        assert Assignment.objects.get(order=order).status == ["accepted", "returned"][winner]


def test_two_dispatchers_dispatch_once(make_order, users, slow_actions):
    order = make_order()
    other = User.objects.create_user("dora", password="correct-horse-battery", role="dispatcher")
    slow_actions("dispatch")
    results = race(
        lambda: workflow.perform(order, "dispatch", users["dispatcher"], {"unit": "ZJJ"}),
        lambda: workflow.perform(order, "dispatch", other, {"unit": "CGJ"}),
    )
    winner = _one_winner(results)
    order.refresh_from_db()
    assert list(order.events.values_list("action", flat=True)) == ["register", "dispatch"]
    assert order.current_unit.code == ["ZJJ", "CGJ"][winner]
    assert order.dispatch_count == 1 and order.version == 2
    assert Assignment.objects.filter(order=order).count() == 1


def test_a_stale_form_loses_to_the_first_submit(make_order, carry, users, city, slow_actions):
    order = carry(make_order(), "dispatch")
    colleague = User.objects.create_user("hana", password="correct-horse-battery", role="department",
                                         department=city["housing"])
    slow_actions("accept")
    # Both loaded the order at version 2 and submit the same form.
    results = race(
        lambda: workflow.perform(order, "accept", users["housing"], {}, expected_version=2),
        lambda: workflow.perform(order, "accept", colleague, {}, expected_version=2),
    )
    _one_winner(results, loser_errors=(Conflict,))
    order.refresh_from_db()
    assert list(order.events.values_list("action", flat=True)) == ["register", "dispatch", "accept"]
    assert order.version == 3


def test_two_dispatchers_merging_a_pair_into_each_other_merge_it_once(make_order, users, slow_actions):
    # Two dispatchers spot the same duplicate pair; each merges one into the other.
    first, second = make_order(), make_order(phone="13900001111")
    other = User.objects.create_user("dora", password="correct-horse-battery", role="dispatcher")
    slow_actions("merge")
    results = race(
        lambda: workflow.perform(first, "merge", users["dispatcher"], {"master": second.number}),
        lambda: workflow.perform(second, "merge", other, {"master": first.number}),
    )
    # The loser gets a workflow error (never a database error such as a deadlock).
    _one_winner(results, loser_errors=(Conflict, InvalidTransition, InvalidInput))
    states = sorted(WorkOrder.objects.filter(pk__in=[first.pk, second.pk]).values_list("state", flat=True))
    assert states == ["merged", "registered"]


def test_simultaneous_intakes_get_distinct_numbers(users):
    from rexian.orders.services import intake

    data = {"phone": "13812345678", "order_type": "consult", "title": "问询", "content": "办事时间"}
    results = race(*[lambda: intake.register(users["agent"], data) for _ in range(3)])
    assert all(isinstance(result, WorkOrder) for result in results), results
    numbers = sorted(result.number for result in results)
    day = numbers[0][:9]
    assert numbers == [f"{day}00001", f"{day}00002", f"{day}00003"]


def test_simultaneous_retries_with_one_idempotency_key_register_one_order(users, monkeypatch):
    from rexian.orders.models import IntakeKey, WorkOrderEvent
    from rexian.orders.services import intake

    data = {"phone": "13812345678", "order_type": "consult", "title": "问询", "content": "办事时间"}
    original = WorkOrderEvent.objects.create

    def slow_event(*args, **kwargs):  # both requests pass the key check before either commits
        time.sleep(0.1)
        return original(*args, **kwargs)

    monkeypatch.setattr(WorkOrderEvent.objects, "create", slow_event)
    results = race(*[lambda: intake.register_once(users["agent"], data, "retry-1") for _ in range(2)])
    assert all(isinstance(result, tuple) for result in results), results
    (first, first_created), (second, second_created) = results
    assert first.pk == second.pk and sorted([first_created, second_created]) == [False, True]
    assert WorkOrder.objects.count() == 1 and IntakeKey.objects.count() == 1


def test_an_intake_that_fails_after_numbering_leaves_a_gap_and_nothing_else(users, monkeypatch):
    from rexian.orders.models import WorkOrderEvent
    from rexian.orders.services import intake

    data = {"phone": "13812345678", "order_type": "consult", "title": "问询", "content": "办事时间"}
    first = intake.register(users["agent"], data)

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    with monkeypatch.context() as patch:
        patch.setattr(WorkOrderEvent.objects, "create", broken)
        with pytest.raises(RuntimeError):
            intake.register(users["agent"], data)
    third = intake.register(users["agent"], data)
    day = first.number[:9]
    assert (first.number, third.number) == (f"{day}00001", f"{day}00003")
    assert WorkOrder.objects.count() == 2
    assert not WorkOrder.objects.filter(number=f"{day}00002").exists()


def test_inside_a_callers_transaction_a_rolled_back_intake_gives_its_number_back(users):
    from django.db import transaction

    from rexian.orders.services import intake

    data = {"phone": "13812345678", "order_type": "consult", "title": "问询", "content": "办事时间"}
    with pytest.raises(RuntimeError), transaction.atomic():
        intake.register(users["agent"], data)
        raise RuntimeError("the channel message could not be acknowledged")
    assert intake.register(users["agent"], data).number.endswith("-00001")


def test_the_numbers_quick_commit_does_not_make_the_orders_commit_quick(users):
    """The number is committed without a disk flush; the order's own commit must still wait for one."""
    from rexian.orders.services.numbering import next_number

    if connection.vendor != "postgresql":
        pytest.skip("synchronous_commit is PostgreSQL's; SQLite takes the number in the caller's connection as is")
    next_number()
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone() == ("on",)
