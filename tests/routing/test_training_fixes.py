"""Learned routing: what the models learn from, and how versions are activated.

A rollback pins its kind against the scheduled retraining; a scheduled version
worse than the active one stays inactive; activations of one kind run one
after another; two workers do not both retrain.
"""

import itertools
import threading
import time

import pytest
from django.db import connection
from django.utils import timezone

from rexian.orders.choices import AssignmentRole, AssignmentStatus, State
from rexian.orders.models import Assignment, Citizen, WorkOrder
from rexian.orders.services.workflow import perform
from rexian.routing import training
from rexian.routing.models import RoutingKindState, RoutingModelVersion
from rexian.routing.training import activate_version, retrain_if_due, train, training_data
from tests.racing import race

TOPICS = {
    "ZJJ": ["电梯坏了物业不修", "物业费乱收费", "小区电梯停运", "物业公司不作为", "楼道电梯故障"],
    "CGJ": ["路边摊贩占道经营", "占道堆放杂物", "流动摊贩扰民", "人行道被占用", "违章搭建棚子"],
    "D01": ["街道办不回复", "社区垃圾清运不及时", "街道卫生差", "社区活动室关闭", "街道路灯不亮"],
}
_numbers = itertools.count(1)


def _closed_orders(city, rounds=4, label_of=lambda code, n: code):
    """Closed orders, `rounds` per topic, handled by the topic's unit (or label_of's)."""
    citizen, _ = Citizen.objects.get_or_create(phone="13700000000", defaults={"name": "历史"})
    units = {"ZJJ": city["housing"], "CGJ": city["urban"], "D01": city["district"]}
    for code, texts in TOPICS.items():
        for round_ in range(rounds):
            for text in texts:
                n = next(_numbers)
                order = WorkOrder.objects.create(
                    number=f"20200101-{n:05d}", order_type="complaint", title=f"{text}{round_}",
                    content=f"市民反映{text}，请处理。", citizen=citizen, contact_phone=citizen.phone,
                    state=State.CLOSED, closed_at=timezone.now(), category=city["category"],
                )
                Assignment.objects.create(order=order, unit=units[label_of(code, n)], role=AssignmentRole.LEAD,
                                          status=AssignmentStatus.DONE)


@pytest.fixture
def history(city):
    _closed_orders(city)


def later(hours):
    return timezone.now() + timezone.timedelta(hours=hours)


def active(kind="unit"):
    return RoutingModelVersion.objects.get(kind=kind, active=True)


# 1. Rollback, pin, and the metrics gate

def test_it_keeps_a_rollback_when_the_scheduled_retraining_comes_round(history):
    first, second = train("unit"), train("unit")
    activate_version(first)
    assert "unit" not in {version.kind for version in retrain_if_due(now=later(25))}
    assert active() == first
    assert not RoutingModelVersion.objects.filter(kind="unit").exclude(pk__in=[first.pk, second.pk]).exists()
    assert RoutingKindState.objects.get(kind="unit").pinned_at is not None


def test_it_resumes_the_schedule_after_an_explicit_training(history, capsys):
    from rexian.cli import main

    first = train("unit")
    train("unit")
    assert main(["routing", "rollback", str(first.pk)]) == 0
    assert "定时重训暂停" in capsys.readouterr().out
    assert main(["routing", "models"]) == 0
    assert "回滚并锁定" in capsys.readouterr().out
    assert main(["routing", "train", "--kind", "unit"]) == 0  # explicit: activates and lifts the pin
    explicit = active()
    assert explicit.pk > first.pk and RoutingKindState.objects.get(kind="unit").pinned_at is None
    (scheduled,) = [v for v in retrain_if_due(now=later(25)) if v.kind == "unit"]
    assert scheduled.active and active() == scheduled  # same data, same metrics: not worse


def test_it_does_not_activate_an_explicit_training_told_not_to(history, capsys):
    from rexian.cli import main

    first = train("unit")
    assert main(["routing", "train", "--kind", "unit", "--no-activate"]) == 0
    assert "未启用" in capsys.readouterr().out
    assert active() == first


def test_it_resumes_the_schedule_from_the_command_line(history, capsys):
    from rexian.cli import main

    first = train("unit")
    activate_version(first)
    assert main(["routing", "resume", "--kind", "unit"]) == 0
    assert "已恢复定时重训" in capsys.readouterr().out
    assert RoutingKindState.objects.get(kind="unit").pinned_at is None
    assert [v.kind for v in retrain_if_due(now=later(25))] == ["unit"]


def test_it_pins_on_an_admin_rollback_and_unpins_on_resume(history, users, client):
    first, second = train("unit"), train("unit")
    client.force_login(users["admin"])
    url = "/admin/routing/routingmodelversion/"
    response = client.post(url, {"action": "activate", "_selected_action": [first.pk]}, follow=True)
    assert response.status_code == 200 and "已锁定" in response.content.decode()
    assert active() == first
    assert RoutingKindState.objects.get(kind="unit").pinned_by == "adam"
    assert retrain_if_due(now=later(25)) == [] and active() == first
    response = client.post(url, {"action": "resume", "_selected_action": [second.pk]}, follow=True)
    assert "已恢复" in response.content.decode()
    assert RoutingKindState.objects.get(kind="unit").pinned_at is None


def test_it_does_not_activate_a_scheduled_version_when_pinned_during_its_training(history):
    first = train("unit")
    activate_version(first)  # e.g. an admin rolled back while the worker was training
    version = train("unit", scheduled=True)
    assert not version.active and active() == first
    assert "锁定" in version.metrics["not_activated"]


def test_it_keeps_a_worse_scheduled_version_inactive_and_says_why(history, city):
    good = train("unit")
    # Many orders handled by the "wrong" unit: the data got noisier, cross-validation worse.
    _closed_orders(city, rounds=3, label_of=lambda code, n: ["ZJJ", "CGJ", "D01"][n % 3])
    (worse,) = [v for v in retrain_if_due(now=later(25)) if v.kind == "unit"]
    assert worse.metrics["cv_macro_f1"] < good.metrics["cv_macro_f1"] - training.METRIC_TOLERANCE
    assert not worse.active and active() == good
    worse.refresh_from_db()
    assert "低于当前版本" in worse.metrics["not_activated"] and f"#{good.pk}" in worse.metrics["not_activated"]


# 3, 4. What the models learn from

def _close(order, users, by):
    perform(order, "reply", users[by], {"result": "resolved", "content": "已处理"})
    perform(order, "approve", users["reviewer"], {})
    perform(order, "callback", users["callback"], {"result": "satisfied"})
    order.refresh_from_db()
    assert order.state == State.CLOSED


def test_it_learns_the_unit_the_centre_dispatched_to_not_the_sub_unit(make_order, users):
    passed_down = make_order(title="电梯坏了")
    perform(passed_down, "dispatch", users["dispatcher"], {"unit": "ZJJ"})
    perform(passed_down, "accept", users["housing"], {})
    perform(passed_down, "pass_down", users["housing"], {"unit": "ZJJ-WY"})
    perform(passed_down, "accept", users["property"], {})
    _close(passed_down, users, "property")
    returned = make_order(title="占道经营", phone="13900000001")
    perform(returned, "dispatch", users["dispatcher"], {"unit": "ZJJ"})
    perform(returned, "return", users["housing"], {"reason": "不归我管"})
    perform(returned, "reassign", users["dispatcher"], {"unit": "CGJ"})
    perform(returned, "accept", users["urban"], {})
    _close(returned, users, "urban")
    assert training_data("unit").dropped == {"ZJJ": 1, "CGJ": 1}  # one order each, too few to keep


def test_it_leaves_merged_children_out(make_order, users, city):
    master = make_order(title="主单电梯坏了")
    child = make_order(title="并单电梯坏了", phone="13900000000")
    perform(child, "merge", users["dispatcher"], {"master": master.number})
    perform(master, "dispatch", users["dispatcher"], {"unit": "ZJJ"})
    perform(master, "accept", users["housing"], {})
    _close(master, users, "housing")
    child.refresh_from_db()
    if child.state != State.CLOSED:
        perform(child, "callback", users["callback"], {"result": "satisfied"})
        child.refresh_from_db()
    assert child.state == State.CLOSED and child.master == master
    assert training_data("category").dropped == {city["category"].code: 1}
    assert training_data("unit").dropped == {"ZJJ": 1}


# 2. Concurrency (real transactions, one connection per thread)

def overlap(monkeypatch):
    """Make racers reach the kind's lock together and hold each activation's
    transaction open a moment, so without the lock both would deactivate, then
    both activate, and the second fail on one_active_model_per_kind. (On SQLite
    the IMMEDIATE transaction already serialises them; the barrier gives up.)"""
    barrier = threading.Barrier(2)
    # A training reaches the lock only after fitting, a rollback at once: wait for it (not on SQLite, see above).
    wait = 2 if connection.vendor == "sqlite" else 30
    lock_kind, activate_locked = training._lock_kind, training._activate_locked

    def slow_lock_kind(kind):
        try:
            barrier.wait(timeout=wait)
        except threading.BrokenBarrierError:
            pass
        return lock_kind(kind)

    def slow_activate_locked(*args, **kwargs):
        activate_locked(*args, **kwargs)
        time.sleep(0.3)

    monkeypatch.setattr(training, "_lock_kind", slow_lock_kind)
    monkeypatch.setattr(training, "_activate_locked", slow_activate_locked)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_serialises_two_trainings_of_one_kind(history, monkeypatch):
    train("unit")
    overlap(monkeypatch)
    results = race(lambda: train("unit"), lambda: train("unit"))
    assert all(isinstance(result, RoutingModelVersion) for result in results), results
    assert RoutingModelVersion.objects.filter(kind="unit", active=True).count() == 1
    assert active().pk in {result.pk for result in results}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_serialises_a_rollback_and_a_training(history, monkeypatch):
    first = train("unit")
    train("unit")
    overlap(monkeypatch)
    results = race(lambda: activate_version(first), lambda: train("unit"))
    assert not any(isinstance(result, Exception) for result in results), results
    assert RoutingModelVersion.objects.filter(kind="unit", active=True).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_do_not_both_retrain(history):
    moment = later(25)
    results = race(lambda: retrain_if_due(now=moment), lambda: retrain_if_due(now=moment))
    assert not any(isinstance(result, Exception) for result in results), results
    assert RoutingModelVersion.objects.filter(kind="unit").count() == 1
    assert RoutingModelVersion.objects.filter(kind="unit", active=True).count() == 1
    state = RoutingKindState.objects.get(kind="unit")
    assert state.retrain_claimed_at is None and state.retrain_attempted_at == moment
