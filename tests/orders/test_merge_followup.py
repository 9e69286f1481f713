"""并单 after the first answer: merged citizens' callbacks, 重办 of a master or of one
merged citizen, and what merging does to the master's version."""

import pytest

from rexian.callbacks.models import CallbackSamplingRule
from rexian.orders.models import Assignment, Notification
from rexian.orders.services import workflow
from rexian.orders.services.errors import Conflict, InvalidInput

pytestmark = pytest.mark.django_db

DISSATISFIED_REDO = ("callback", "callback", {"result": "dissatisfied", "reopen": True, "note": "电梯仍然故障"})
SECOND_REPLY = ("reply", "housing", {"result": "resolved", "content": "已更换电梯主板，复检合格。"})


@pytest.fixture
def master(make_order):
    return make_order(title="幸福小区电梯故障（主）")


@pytest.fixture
def merge(carry):
    def run(order, master):
        return carry(order, ("merge", "dispatcher", {"master": master.number}))

    return run


def _reload(*orders):
    for order in orders:
        order.refresh_from_db()
    return orders


# ---------------------------------------------------------------- master 重办 (item 2)


def test_merged_orders_awaiting_callback_follow_the_master_into_redo(master, make_order, merge, carry):
    waiting, called = make_order(phone="13900001111"), make_order(phone="13900002222")
    merge(waiting, master)
    merge(called, master)
    master = carry(master, "dispatch", "accept", "reply", "approve")
    called = carry(called, "satisfied")
    waiting.refresh_from_db()
    assert (waiting.state, called.state) == ("callback", "closed")
    version = waiting.version

    master = carry(master, DISSATISFIED_REDO)
    assert master.state == "handling"
    waiting, called = _reload(waiting, called)
    # Waiting for a callback on an answer that no longer stands: back with the master.
    assert waiting.state == "merged" and waiting.master_id == master.pk
    assert waiting.version == version + 1
    assert list(waiting.callbacks.values_list("status", flat=True)) == ["cancelled"]  # kept, not deleted
    event = waiting.events.last()
    assert (event.action, event.from_state, event.to_state) == ("follow_master_redo", "callback", "merged")
    assert event.data["master"] == master.number
    # Already called back and closed: stays closed.
    assert called.state == "closed"

    master = carry(master, SECOND_REPLY, "approve")
    waiting, called = _reload(waiting, called)
    assert waiting.state == "callback"
    assert waiting.events.last().action == "follow_master"
    # The second answer's callback is the one pending; the first stays cancelled.
    assert sorted(waiting.callbacks.values_list("status", flat=True)) == ["cancelled", "pending"]
    assert called.state == "closed" and called.callbacks.count() == 1


def test_a_master_redo_leaves_merged_orders_that_are_still_merged_alone(master, make_order, merge, carry):
    # A reviewer's 退回重办 happens before approval: merged orders simply keep waiting.
    child = merge(make_order(phone="13900001111"), master)
    carry(master, "dispatch", "accept", "reply", "reject")
    child.refresh_from_db()
    assert (child.state, child.version) == ("merged", 2)


# ---------------------------------------------------------------- a merged citizen's 重办 (item 1)


def test_a_dissatisfied_merged_citizen_gets_a_redo_by_the_masters_unit(master, make_order, merge, carry, city):
    child = merge(make_order(phone="13900001111"), master)
    master = carry(master, "dispatch", "accept", "reply", "approve")
    master_version = master.version

    child = carry(child, DISSATISFIED_REDO)
    assert child.state == "handling"
    assert child.master_id is None  # it leaves the merge and is handled on its own
    assert child.current_unit == city["housing"]
    assert child.redo_count == 1
    lead = Assignment.objects.get(order=child)
    assert (lead.unit, lead.role, lead.status) == (city["housing"], "lead", "accepted")
    event = child.events.last()
    assert (event.action, event.from_state, event.to_state) == ("redo", "callback", "handling")
    assert event.unit == city["housing"] and event.data["master"] == master.number
    assert child.callbacks.get().reopened is True
    assert Notification.objects.filter(order=child, unit=city["housing"], kind="redo").exists()

    master.refresh_from_db()
    assert master.state == "callback"  # the master and its citizen keep their answer
    assert master.version == master_version + 1
    out = master.events.last()
    assert (out.action, out.from_state, out.to_state) == ("unmerge_out", "callback", "callback")
    assert out.data == {"unmerged": child.number, "redo": True}

    # The unit answers this citizen on its own, and the loop closes as for any order.
    child = carry(child, SECOND_REPLY, "approve")
    assert child.state == "callback"
    child = carry(child, "satisfied")
    assert child.state == "closed"
    master = carry(master, "satisfied")
    assert master.state == "closed"


def test_a_merged_citizen_of_a_direct_answer_is_told_why_there_is_no_redo(master, make_order, merge, carry, refused):
    child = merge(make_order(phone="13900001111", order_type="consult"), master)
    carry(master, ("direct_answer", "agent", {"content": "电梯维修请联系物业，已告知维修电话。"}))
    child.refresh_from_db()
    assert child.state == "callback"
    err = refused(child, *DISSATISFIED_REDO, error=InvalidInput, says=f"随主工单 {master.number} 直接答复")
    assert "重新受理派单" in err.message
    assert "reopen" in err.errors


def test_a_merged_citizens_satisfaction_counts_against_the_masters_unit(master, make_order, merge, carry, city):
    child = merge(make_order(phone="13900001111"), master)
    carry(master, "dispatch", "accept", "reply", "approve")
    child = carry(child, "satisfied")
    event = child.events.last()
    assert (event.action, event.unit) == ("callback", city["housing"])


# ---------------------------------------------------------------- every merged citizen is called back (item 6)


@pytest.mark.parametrize("route", ["direct", "dispatched"])
def test_merged_orders_are_called_back_even_when_sampling_would_skip_them(master, make_order, merge, carry, settings, route):
    settings.REXIAN = {**settings.REXIAN, "DIRECT_ANSWER_SAMPLE_PERCENT": 0, "CALLBACK_SAMPLE_PERCENT": 0}
    CallbackSamplingRule.objects.update(active=False)
    children = [merge(make_order(phone=f"139000{i:05d}", order_type="consult"), master) for i in range(6)]
    if route == "direct":
        master = carry(master, ("direct_answer", "agent", {"content": "已答复"}))
    else:
        master = carry(master, "dispatch", "accept", "reply", "approve")
    # The master itself is sampled as usual...
    assert master.state == "closed" and master.callback_exemption.startswith("未抽中回访")
    # ...but each merged citizen gets their callback.
    for child in _reload(*children):
        assert child.state == "callback" and child.callback_exemption == ""
        assert child.callbacks.get().status == "pending"


# ---------------------------------------------------------------- the master's version (item 4)


def test_merging_bumps_the_masters_version(master, make_order, users, clock):
    before = master.version
    clock.advance(minutes=5)
    child = workflow.perform(make_order(phone="13900001111"), "merge", users["dispatcher"], {"master": master.number})
    master.refresh_from_db()
    assert master.version == before + 1
    assert master.updated_at == clock()
    # A client that loaded the master before the merge is told it changed.
    with pytest.raises(Conflict):
        workflow.perform(master, "dispatch", users["dispatcher"], {"unit": "ZJJ"}, expected_version=before)

    clock.advance(minutes=5)
    workflow.perform(child, "unmerge", users["dispatcher"], {"note": "不是同一诉求"})
    master.refresh_from_db()
    assert master.version == before + 2
    assert master.updated_at == clock()
