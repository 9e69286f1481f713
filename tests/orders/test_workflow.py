"""Every transition of the work-order workflow, its refusals, and who may take it.

The clock stands on Monday 2026-03-02 10:00 (Asia/Shanghai) unless a test moves it.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from rexian.callbacks.models import Callback
from rexian.orders.models import Assignment, ExtensionRequest, Notification, Reply, Supervision, WorkOrder
from rexian.orders.services import intake, workflow
from rexian.orders.services.errors import Conflict, InvalidInput, NotAllowed, UnknownAction
from rexian.workdays.calendar import add_working_days

SHANGHAI = ZoneInfo("Asia/Shanghai")
END_OF = dt.time(23, 59, 59)


def end_of(day: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), END_OF, tzinfo=SHANGHAI)


@pytest.fixture
def order(make_order):
    return make_order()


@pytest.fixture
def handling(order, carry):
    return carry(order, "dispatch", "accept")


@pytest.fixture
def replied(handling, carry):
    return carry(handling, "reply")


@pytest.fixture
def awaiting_callback(replied, carry):
    return carry(replied, "approve")


# ---------------------------------------------------------------- register


def test_it_registers_an_order_with_its_first_event(order, users):
    assert order.state == "registered"
    assert order.version == 1
    [event] = order.events.all()
    assert (event.action, event.from_state, event.to_state) == ("register", "", "registered")
    assert event.actor == users["agent"]
    # A complaint has 15 working days, counted from the next working day.
    assert order.due_at == end_of("2026-03-23")
    assert order.due_provisional is False
    assert order.citizen.phone == order.contact_phone == "13812345678"


def test_it_finds_the_returning_caller_by_a_normalised_phone(make_order):
    first = make_order()
    second = make_order(phone="+86 138-1234-5678", name="张三丰")
    assert second.citizen_id == first.citizen_id
    second.citizen.refresh_from_db()
    assert second.citizen.name == "张三丰"


def test_it_finds_the_caller_by_an_alternative_phone_and_takes_the_newest_of_several(make_order):
    from rexian.orders.models import Citizen

    first = make_order()
    first.citizen.alt_phone = "13900000001"
    first.citizen.save()
    assert make_order(phone="13900000001").citizen_id == first.citizen_id
    newer = Citizen.objects.create(name="张三（更正）", phone="13812345678")
    assert make_order().citizen_id == newer.pk


def test_the_services_intake_check_validates_as_the_agents_form_does(city):
    from rexian.orders.intake_forms import IntakeCheck, IntakeForm

    valid = {"phone": "+86 138-1234-5678", "order_type": "consult", "category": city["category"].code,
             "title": "t", "content": "c", "latitude": "30.1", "longitude": "120.2"}
    cases = [
        valid,
        {**valid, "phone": "12"},
        {**valid, "order_type": "gossip", "category": "999999"},
        {**valid, "longitude": ""},
        {**valid, "area_code": "abc", "title": ""},
    ]
    for data in cases:
        form, check = IntakeForm(data=data), IntakeCheck(data=data)
        assert form.is_valid() == check.is_valid()
        assert (form.errors, form.cleaned_data) == (check.errors, check.cleaned_data)
    # The check's instances share their fields (no deep copy per intake); the screen's do not.
    assert IntakeCheck(data=valid).fields["title"] is IntakeCheck(data=valid).fields["title"]
    assert IntakeForm(data=valid).fields["title"] is not IntakeForm(data=valid).fields["title"]


def test_intake_checks_in_many_threads_at_once_keep_their_own_results(city):
    """The shared fields keep no state while cleaning: concurrent checks do not mix."""
    from rexian.orders.intake_forms import IntakeCheck
    from tests.racing import race

    def outcome(n):
        data = {"phone": f"1381234{n:04d}" if n % 3 else "x", "order_type": "consult", "title": f"标题{n}", "content": "c"}
        form = IntakeCheck(data=data)
        return (form.is_valid(), form.cleaned_data.get("phone"), form.cleaned_data.get("title"), sorted(form.errors))

    expected = [outcome(n) for n in range(400)]
    results = race(*[lambda start=start: [outcome(n) for n in range(start, 400, 8)] for start in range(8)])
    assert all(results[start] == expected[start::8] for start in range(8))


def test_it_refuses_intake_by_a_department_user(users):
    with pytest.raises(NotAllowed):
        intake.register(users["housing"], {"phone": "13812345678", "order_type": "consult", "title": "t", "content": "c"})
    assert not WorkOrder.objects.exists()


def test_it_refuses_intake_without_a_title(users):
    with pytest.raises(InvalidInput) as caught:
        intake.register(users["agent"], {"phone": "13812345678", "order_type": "consult", "content": "c"})
    assert "title" in caught.value.errors
    assert not WorkOrder.objects.exists()


# ---------------------------------------------------------------- direct answer, transfer, void


def test_it_sends_a_directly_answered_complaint_to_callback(order, act):
    order = act(order, "direct_answer", "agent", {"content": "按知识库答复。"}, to="callback")
    [callback] = order.callbacks.all()
    assert callback.status == "pending"
    assert callback.due_at == end_of("2026-03-04")  # 2 working days
    assert order.callback_exemption == ""
    reply = order.replies.get()
    assert reply.direct and reply.review_status == "approved"


def test_it_closes_a_direct_answer_not_sampled_for_callback(make_order, act, settings):
    settings.REXIAN = {**settings.REXIAN, "DIRECT_ANSWER_SAMPLE_PERCENT": 0}
    consult = make_order(order_type="consult")
    consult = act(consult, "direct_answer", "agent", {"content": "办理时间为工作日。"}, to="closed")
    assert consult.callback_exemption.startswith("未抽中回访")
    assert consult.closed_at is not None
    assert not consult.callbacks.exists()


def test_it_samples_every_direct_answer_at_one_hundred_percent(make_order, act, settings):
    settings.REXIAN = {**settings.REXIAN, "DIRECT_ANSWER_SAMPLE_PERCENT": 100}
    consult = act(make_order(order_type="consult"), "direct_answer", "dispatcher", {"content": "答复"}, to="callback")
    assert consult.callbacks.count() == 1


def test_it_refuses_a_direct_answer_without_content(order, refused):
    err = refused(order, "direct_answer", "agent", {}, error=InvalidInput, says="参数有误")
    assert "content" in err.errors


def test_it_refuses_a_direct_answer_once_dispatched(order, carry, refused):
    order = carry(order, "dispatch")
    refused(order, "direct_answer", "agent", {"content": "答复"}, says="待签收")


def test_it_transfers_an_emergency_to_110(order, act):
    order = act(order, "transfer", "agent", {"target": "110", "note": "有人持刀"}, to="transferred")
    assert order.closed_at is not None
    assert "110" in order.callback_exemption
    assert order.events.last().data == {"target": "110"}


def test_it_refuses_a_transfer_to_an_unknown_line(order, refused):
    err = refused(order, "transfer", "agent", {"target": "999"}, error=InvalidInput, says="")
    assert "target" in err.errors


def test_it_voids_with_a_reason(order, act):
    order = act(order, "void", "agent", {"reason": "骚扰电话"}, to="voided")
    assert order.events.last().note == "骚扰电话"
    assert order.closed_at is not None and order.callback_exemption


def test_it_refuses_to_void_without_a_reason(order, refused):
    err = refused(order, "void", "agent", {"reason": ""}, error=InvalidInput, says="")
    assert "reason" in err.errors


def test_it_voids_a_returned_order(order, carry, act):
    order = carry(order, "dispatch", "return")
    order = act(order, "void", "dispatcher", {"reason": "重复来电"}, to="voided")
    assert order.current_unit is None


def test_it_refuses_to_void_an_order_being_handled(handling, refused):
    refused(handling, "void", "dispatcher", {"reason": "x"}, says="办理中")


# ---------------------------------------------------------------- dispatch, accept, return


def test_it_dispatches_to_a_lead_and_assisting_units(order, act, city):
    order = act(order, "dispatch", "dispatcher", {"unit": "ZJJ", "assisting": ["CGJ", "D01"]}, to="dispatched")
    lead, *assisting = order.assignments.order_by("id")
    assert (lead.unit, lead.role, lead.status) == (city["housing"], "lead", "pending")
    assert {(a.unit.code, a.role, a.status) for a in assisting} == {("CGJ", "assist", "pending"), ("D01", "assist", "pending")}
    # Acceptance: 1 working day, to the end of Tuesday.
    assert lead.accept_deadline == order.accept_deadline == end_of("2026-03-03")
    assert order.current_unit == city["housing"]
    assert order.dispatch_count == 1
    event = order.events.last()
    assert event.unit == city["housing"] and event.data["assisting"] == ["CGJ", "D01"]
    assert Notification.objects.filter(order=order, unit=city["housing"], kind="dispatched").count() == 1


def test_it_refuses_a_lead_unit_that_also_assists(order, refused):
    err = refused(order, "dispatch", "dispatcher", {"unit": "ZJJ", "assisting": ["ZJJ"]}, error=InvalidInput, says="")
    assert "assisting" in err.errors


def test_it_refuses_a_deactivated_unit(order, city, refused):
    city["urban"].active = False
    city["urban"].save()
    err = refused(order, "dispatch", "dispatcher", {"unit": "CGJ"}, error=InvalidInput, says="")
    assert "unit" in err.errors


def test_it_refuses_an_unknown_unit_code(order, refused):
    err = refused(order, "dispatch", "dispatcher", {"unit": "NOPE"}, error=InvalidInput, says="")
    assert "unit" in err.errors


def test_it_refuses_to_dispatch_twice(order, carry, refused):
    order = carry(order, "dispatch")
    refused(order, "dispatch", "dispatcher", {"unit": "CGJ"}, says="待签收")


def test_it_moves_to_handling_when_the_lead_accepts(order, carry, act, users):
    order = carry(order, "dispatch")
    order = act(order, "accept", "housing", to="handling")
    lead = order.assignments.get()
    assert (lead.status, lead.accepted_by) == ("accepted", users["housing"])
    assert order.events.last().data == {"role": "lead", "late": False}


def test_it_leaves_the_state_when_an_assisting_unit_accepts(order, act, users):
    order = act(order, "dispatch", "dispatcher", {"unit": "ZJJ", "assisting": ["CGJ"]}, to="dispatched")
    order = act(order, "accept", "urban")  # still 待签收: the lead has not accepted
    assert order.assignments.get(unit__code="CGJ").status == "accepted"
    order = act(order, "accept", "housing", to="handling")


def test_it_lets_an_assisting_unit_accept_while_the_lead_handles(order, act, carry):
    order = act(order, "dispatch", "dispatcher", {"unit": "ZJJ", "assisting": ["CGJ"]}, to="dispatched")
    order = carry(order, "accept")
    act(order, "accept", "urban")


def test_it_makes_the_lead_accept_its_own_assignment_before_a_sub_units(order, act):
    # 住建局 leads and its own 物业科 assists: hank's accept is 住建局's lead accept.
    order = act(order, "dispatch", "dispatcher", {"unit": "ZJJ", "assisting": ["ZJJ-WY"]}, to="dispatched")
    order = act(order, "accept", "housing", to="handling")
    assert order.assignments.get(unit__code="ZJJ").status == "accepted"
    assert order.assignments.get(unit__code="ZJJ-WY").status == "pending"


def test_it_records_a_late_acceptance(order, carry, clock):
    order = carry(order, "dispatch")
    clock.advance(days=2)
    order = carry(order, "accept")
    assert order.events.last().data["late"] is True


def test_it_refuses_acceptance_by_another_unit(order, carry, refused):
    order = carry(order, "dispatch")
    refused(order, "accept", "urban", says="您的单位没有待签收的派单")


def test_it_refuses_to_accept_twice(handling, refused):
    refused(handling, "accept", "housing", says="您的单位没有待签收的派单")


def test_it_returns_to_the_dispatcher_with_a_reason(order, act):
    order = act(order, "dispatch", "dispatcher", {"unit": "ZJJ", "assisting": ["CGJ"]}, to="dispatched")
    order = act(order, "return", "housing", {"reason": "不属于本单位职责"}, to="returned")
    assert order.current_unit is None
    assert order.return_count == 1
    assert set(order.assignments.values_list("status", flat=True)) == {"returned"}
    lead = order.assignments.get(role="lead")
    assert lead.return_reason == "不属于本单位职责" and lead.returned_at is not None


def test_it_refuses_a_return_without_a_reason(order, carry, refused):
    order = carry(order, "dispatch")
    err = refused(order, "return", "housing", {"reason": ""}, error=InvalidInput, says="")
    assert "reason" in err.errors


def test_it_refuses_a_return_after_the_accept_deadline(order, carry, clock, refused):
    order = carry(order, "dispatch")
    Assignment.objects.filter(order=order).update(accept_deadline=clock() - dt.timedelta(minutes=1))
    refused(order, "return", "housing", {"reason": "不归我管"}, says="已超过签收时限")


def test_it_refuses_a_return_once_accepted(handling, refused):
    refused(handling, "return", "housing", {"reason": "不归我管"}, says="办理中")


def test_it_refuses_a_return_by_an_assisting_unit(order, act, refused):
    order = act(order, "dispatch", "dispatcher", {"unit": "ZJJ", "assisting": ["CGJ"]}, to="dispatched")
    refused(order, "return", "urban", {"reason": "x"}, says="没有待签收的主办派单")


def test_it_reassigns_a_returned_order(order, carry, act, city):
    order = carry(order, "dispatch", "return")
    order = act(order, "reassign", "dispatcher", {"unit": "CGJ"}, to="dispatched")
    assert order.current_unit == city["urban"]
    assert order.dispatch_count == 2
    assert order.assignments.filter(status="pending").get().unit == city["urban"]


def test_it_refuses_to_reassign_an_order_never_dispatched(order, refused):
    refused(order, "reassign", "dispatcher", {"unit": "CGJ"}, says="待派单")


def _return_three_times(order, carry):
    return carry(order, "dispatch", "return", "reassign", "return", "reassign", "return")


def test_it_refuses_to_designate_before_three_returns(order, carry, refused):
    order = carry(order, "dispatch", "return", "reassign", "return")
    refused(order, "designate", "dispatcher", {"unit": "ZJJ"}, says="退单 3 次后才能指定承办单位（目前 2 次）")


def test_it_designates_after_three_returns_and_the_unit_cannot_return_it(order, carry, act, refused):
    order = _return_three_times(order, carry)
    assert order.return_count == 3
    order = act(order, "designate", "dispatcher", {"unit": "ZJJ"}, to="dispatched")
    assert order.assignments.get(status="pending").designated is True
    refused(order, "return", "housing", {"reason": "还是不归我管"}, says="指定承办")


def test_it_honours_a_configured_designation_threshold(order, carry, act, settings):
    settings.REXIAN = {**settings.REXIAN, "DESIGNATE_AFTER_RETURNS": 1}
    order = carry(order, "dispatch", "return")
    act(order, "designate", "dispatcher", {"unit": "CGJ"}, to="dispatched")


# ---------------------------------------------------------------- pass down


def test_it_passes_down_to_a_sub_unit(handling, act, city):
    order = act(handling, "pass_down", "housing", {"unit": "ZJJ-WY"}, to="dispatched")
    parent = order.assignments.get(unit=city["housing"])
    child = order.assignments.get(unit=city["property_office"])
    assert parent.status == "passed_down"
    assert (child.status, child.parent, child.role) == ("pending", parent, "lead")
    assert order.current_unit == city["property_office"]
    assert Notification.objects.filter(order=order, unit=city["property_office"], kind="dispatched").exists()
    order = act(order, "accept", "property", to="handling")


@pytest.mark.parametrize("code", ["CGJ", "ZJJ", "D01-S01"])
def test_it_refuses_to_pass_down_outside_the_units_subtree(handling, refused, code):
    err = refused(handling, "pass_down", "housing", {"unit": code}, error=InvalidInput, says="只能下派给本单位的下级单位")
    assert "unit" in err.errors


def test_it_refuses_a_pass_down_by_the_sub_unit_itself(handling, refused):
    refused(handling, "pass_down", "property", {"unit": "ZJJ-WY"}, says="不由您的单位主办")


def test_it_sends_a_sub_units_return_back_to_the_parent_unit(handling, carry, act, city):
    order = carry(handling, "pass_down")
    order = act(order, "return", "property", {"reason": "超出物业科职责"}, to="handling")
    assert order.current_unit == city["housing"]
    assert order.return_count == 0  # not a return to the centre
    assert order.assignments.get(unit=city["housing"]).status == "accepted"
    assert order.assignments.get(unit=city["property_office"]).status == "returned"
    # 住建局 goes on handling it.
    carry(order, "reply")


# ---------------------------------------------------------------- extensions


def test_it_requests_an_extension_before_the_deadline(handling, act, city):
    order = act(handling, "request_extension", "housing", {"workdays": 5, "reason": "需要协调施工单位"})
    request = order.extensions.get()
    assert (request.status, request.workdays, request.unit) == ("pending", 5, city["housing"])


def test_it_refuses_a_second_extension_while_one_is_pending(handling, carry, refused):
    order = carry(handling, ("request_extension", "housing", {"workdays": 5, "reason": "协调"}))
    refused(order, "request_extension", "housing", {"workdays": 2, "reason": "再协调"}, says="已有待审批的延期申请")


def test_it_refuses_an_extension_after_the_deadline(handling, clock, refused):
    WorkOrder.objects.filter(pk=handling.pk).update(due_at=clock() - dt.timedelta(seconds=1))
    refused(handling, "request_extension", "housing", {"workdays": 5, "reason": "协调"}, says="已超过办理时限")


def test_it_refuses_an_extension_of_more_than_sixty_working_days(handling, refused):
    err = refused(handling, "request_extension", "housing", {"workdays": 61, "reason": "协调"}, error=InvalidInput, says="")
    assert "workdays" in err.errors


def test_it_moves_the_deadline_by_working_days_on_approval(handling, carry, act, city):
    order = carry(handling, ("request_extension", "housing", {"workdays": 5, "reason": "协调"}))
    old_due = order.due_at
    WorkOrder.objects.filter(pk=order.pk).update(due_soon_notified_at=old_due, overdue_notified_at=old_due)
    order = act(order, "approve_extension", "dispatcher", {"note": "同意"})
    assert old_due == end_of("2026-03-23")
    assert order.due_at == end_of("2026-03-30") == add_working_days(old_due, 5).at
    assert order.due_soon_notified_at is None and order.overdue_notified_at is None
    request = order.extensions.get()
    assert (request.status, request.old_due_at, request.new_due_at) == ("approved", old_due, order.due_at)
    assert Notification.objects.filter(order=order, unit=city["housing"], kind="extension").count() == 1


def test_it_rejects_an_extension_only_with_a_note(handling, carry, act, refused):
    order = carry(handling, ("request_extension", "housing", {"workdays": 5, "reason": "协调"}))
    err = refused(order, "reject_extension", "dispatcher", {"note": ""}, error=InvalidInput, says="")
    assert "note" in err.errors
    due = order.due_at
    order = act(order, "reject_extension", "dispatcher", {"note": "理由不充分"})
    assert order.extensions.get().status == "rejected"
    assert order.due_at == due


def test_it_refuses_to_decide_an_extension_nobody_asked_for(handling, refused):
    refused(handling, "approve_extension", "dispatcher", {}, says="没有待审批的延期申请")


# ---------------------------------------------------------------- reply and review


def test_it_replies_and_waits_for_review(handling, act, city):
    order = act(handling, "reply", "housing", {"result": "resolved", "content": "已修复"}, to="replied")
    reply = order.replies.get()
    assert (reply.unit, reply.result, reply.review_status) == (city["housing"], "resolved", "pending")
    assert order.assignments.get().status == "done"


def test_it_requires_a_reason_when_the_matter_cannot_be_solved(handling, refused, act):
    err = refused(handling, "reply", "housing", {"result": "unresolvable", "content": "无法处理"}, error=InvalidInput, says="")
    assert "reason" in err.errors
    act(handling, "reply", "housing", {"result": "unresolvable", "content": "无法处理", "reason": "产权不清"}, to="replied")


def test_it_refuses_a_reply_from_a_unit_not_leading(handling, refused):
    refused(handling, "reply", "urban", {"result": "resolved", "content": "x"}, says="不由您的单位主办")


def test_it_sends_an_approved_complaint_to_callback(replied, act):
    order = act(replied, "approve", "reviewer", {"note": "答复完整"}, to="callback")
    assert order.replies.get().review_status == "approved"
    assert order.callbacks.get().status == "pending"


def test_it_closes_an_approved_order_not_sampled_for_callback(make_order, carry, act, settings):
    settings.REXIAN = {**settings.REXIAN, "CALLBACK_SAMPLE_PERCENT": 0}
    order = carry(make_order(order_type="help"), "dispatch", "accept", "reply")
    order = act(order, "approve", "reviewer", to="closed")
    assert order.callback_exemption.startswith("未抽中回访") and order.closed_at is not None
    assert not order.callbacks.exists()


def test_it_sends_a_rejected_reply_back_to_the_same_unit(replied, act, carry, city):
    order = act(replied, "reject", "reviewer", {"note": "没有说明修复时间"}, to="handling")
    assert order.current_unit == city["housing"]
    assert order.assignments.get().status == "accepted"
    assert order.replies.get().review_status == "rejected"
    order = carry(order, "reply")
    assert order.state == "replied" and order.replies.count() == 2


def test_it_refuses_a_rejection_without_a_note(replied, refused):
    err = refused(replied, "reject", "reviewer", {}, error=InvalidInput, says="")
    assert "note" in err.errors


def test_it_sends_a_passed_down_reply_back_to_the_sub_unit_on_rejection(handling, carry, city):
    order = carry(
        handling, "pass_down", ("accept", "property", {}),
        ("reply", "property", {"result": "resolved", "content": "物业已修"}), "reject",
    )
    assert (order.state, order.current_unit) == ("handling", city["property_office"])


# ---------------------------------------------------------------- callback


@pytest.mark.parametrize("result", ["satisfied", "basically"])
def test_it_closes_on_a_satisfied_callback(awaiting_callback, act, users, result):
    order = act(awaiting_callback, "callback", "callback", {"result": result}, to="closed")
    callback = order.callbacks.get()
    assert (callback.status, callback.result, callback.attempts, callback.agent) == ("done", result, 1, users["callback"])
    assert order.closed_at is not None


def test_it_reopens_at_the_same_unit_when_dissatisfied(awaiting_callback, act, clock, city):
    clock.advance(days=3)
    order = act(awaiting_callback, "callback", "callback", {"result": "dissatisfied", "reopen": True, "note": "电梯还是坏的"},
                to="handling", event="redo")
    assert order.current_unit == city["housing"]
    assert order.redo_count == 1
    assert order.assignments.get().status == "accepted"
    # A fresh handling period from now (Thursday 2026-03-05): 15 working days.
    assert order.due_at == end_of("2026-03-26")
    assert order.callbacks.get().reopened is True
    assert Notification.objects.filter(order=order, unit=city["housing"], kind="redo").count() == 1


def test_it_calls_back_again_after_a_redo(awaiting_callback, carry):
    order = carry(
        awaiting_callback,
        ("callback", "callback", {"result": "dissatisfied", "reopen": True}),
        "reply", "approve", "satisfied",
    )
    assert order.state == "closed"
    assert list(order.callbacks.values_list("status", "reopened")) == [("done", True), ("done", False)]


def test_it_needs_a_note_when_dissatisfied_without_redo(awaiting_callback, refused, act):
    err = refused(awaiting_callback, "callback", "callback", {"result": "dissatisfied"}, error=InvalidInput, says="")
    assert "note" in err.errors
    act(awaiting_callback, "callback", "callback", {"result": "dissatisfied", "note": "已解释政策"}, to="closed")


def test_it_refuses_a_redo_unless_dissatisfied(awaiting_callback, refused):
    err = refused(awaiting_callback, "callback", "callback", {"result": "satisfied", "reopen": True}, error=InvalidInput, says="")
    assert "reopen" in err.errors


def test_it_refuses_a_redo_of_a_direct_answer(make_order, carry, refused):
    order = carry(make_order(), ("direct_answer", "agent", {"content": "答复"}))
    err = refused(order, "callback", "callback", {"result": "dissatisfied", "reopen": True}, error=InvalidInput,
                  says="直接答复的工单没有承办单位")
    assert "reopen" in err.errors


def test_it_closes_after_the_last_unreachable_attempt(awaiting_callback, act):
    order = act(awaiting_callback, "callback", "callback", {"result": "unreachable"}, event="callback_attempt")
    order = act(order, "callback", "callback", {"result": "unreachable"}, event="callback_attempt")
    assert order.callbacks.get().attempts == 2
    order = act(order, "callback", "callback", {"result": "unreachable", "note": "三次无人接听"}, to="closed")
    callback = order.callbacks.get()
    assert (callback.status, callback.result, callback.attempts) == ("unreachable", "unreachable", 3)
    assert [e.data["attempt"] for e in order.events.filter(action__startswith="callback")] == [1, 2, 3]


def test_it_honours_a_configured_number_of_attempts(awaiting_callback, act, settings):
    settings.REXIAN = {**settings.REXIAN, "CALLBACK_MAX_ATTEMPTS": 1}
    act(awaiting_callback, "callback", "callback", {"result": "unreachable"}, to="closed")


def test_it_refuses_a_callback_before_review(replied, refused):
    refused(replied, "callback", "callback", {"result": "satisfied"}, says="待审核")


# ---------------------------------------------------------------- supervision


@pytest.mark.parametrize("kind,label", [("urge", "催办"), ("supervise", "督办"), ("notice", "通报")])
def test_it_supervises_the_current_unit(handling, act, users, city, kind, label):
    order = act(handling, kind, "supervisor", {"note": "请加快办理"})
    supervision = Supervision.objects.get(order=order)
    assert (supervision.kind, supervision.unit, supervision.issued_by) == (kind, city["housing"], users["supervisor"])
    notification = Notification.objects.get(order=order, kind=kind)
    assert notification.unit == city["housing"]
    assert notification.message.startswith(f"{label}：{order.number}")


def test_it_requires_a_note_to_supervise(handling, refused):
    err = refused(handling, "urge", "supervisor", {}, error=InvalidInput, says="")
    assert "note" in err.errors


def test_it_refuses_to_supervise_a_closed_order(awaiting_callback, carry, refused):
    order = carry(awaiting_callback, "satisfied")
    refused(order, "supervise", "supervisor", {"note": "x"}, says="已办结")


# ---------------------------------------------------------------- merge


@pytest.fixture
def master(make_order):
    return make_order(title="幸福小区电梯故障（主）")


def test_it_merges_a_duplicate_into_a_master(order, master, act, users):
    order = act(order, "merge", "dispatcher", {"master": master.number}, to="merged")
    assert order.master == master
    event = master.events.last()
    assert (event.action, event.from_state, event.to_state) == ("merge_in", "registered", "registered")
    assert event.data == {"merged": order.number}


def test_it_refuses_to_merge_an_order_into_itself(order, refused):
    err = refused(order, "merge", "dispatcher", {"master": order.number}, error=InvalidInput, says="不能并入自己")
    assert "master" in err.errors


def test_it_refuses_to_merge_into_an_unknown_order(order, refused):
    refused(order, "merge", "dispatcher", {"master": "20260302-99999"}, error=InvalidInput, says="不存在")


def test_it_refuses_to_merge_into_a_closed_master(order, master, carry, refused):
    master = carry(master, ("void", "agent", {"reason": "重复"}))
    refused(order, "merge", "dispatcher", {"master": master.number}, error=InvalidInput, says="已作废")


def test_it_refuses_to_merge_into_a_merged_order(order, master, make_order, carry, refused):
    third = carry(make_order(), ("merge", "dispatcher", {"master": master.number}))
    refused(order, "merge", "dispatcher", {"master": third.number}, error=InvalidInput, says="已并单")


def test_it_refuses_to_merge_an_order_that_has_merged_orders(order, master, make_order, carry, refused):
    carry(order, ("merge", "dispatcher", {"master": master.number}))
    other = make_order()
    refused(master, "merge", "dispatcher", {"master": other.number}, says="请先解除并单")


def test_merged_orders_follow_the_master_at_approval(master, make_order, carry):
    first, second = make_order(), make_order(phone="13900001111")
    for duplicate in (first, second):
        carry(duplicate, ("merge", "dispatcher", {"master": master.number}))
    master = carry(master, "dispatch", "accept", "reply", "approve")
    assert master.state == "callback"
    for duplicate in (first, second):
        duplicate.refresh_from_db()
        assert duplicate.state == "callback"
        assert duplicate.version == 3  # register, merge, follow_master
        event = duplicate.events.last()
        assert (event.action, event.from_state, event.to_state) == ("follow_master", "merged", "callback")
        assert duplicate.callbacks.get().status == "pending"  # each citizen is called back
        carry(duplicate, "satisfied")
    assert Callback.objects.filter(order__in=[master, first, second]).count() == 3


def test_merged_orders_follow_a_direct_answer_and_are_each_called_back(master, make_order, carry, settings):
    # Sampling may skip the master's citizen, never a merged one: each still hears from the centre.
    settings.REXIAN = {**settings.REXIAN, "DIRECT_ANSWER_SAMPLE_PERCENT": 0}
    duplicate = carry(make_order(order_type="consult"), ("merge", "dispatcher", {"master": master.number}))
    carry(master, ("direct_answer", "agent", {"content": "已答复"}))
    duplicate.refresh_from_db()
    assert duplicate.state == "callback" and duplicate.callbacks.get().status == "pending"


def test_it_never_strands_a_merged_order_behind_a_finished_master(awaiting_callback, make_order, carry):
    # A duplicate merged into a master that is already waiting for its callback
    # must not stay 已并单 for ever once the master closes.
    master, duplicate = awaiting_callback, make_order(phone="13900001111")
    try:
        carry(duplicate, ("merge", "dispatcher", {"master": master.number}))
    except InvalidInput:
        return  # refusing the merge is one acceptable answer
    carry(master, "satisfied")
    duplicate.refresh_from_db()
    assert duplicate.state != "merged"


def test_it_unmerges_with_a_note_back_to_an_order_of_its_own(order, master, carry, act, refused):
    order = carry(order, ("merge", "dispatcher", {"master": master.number}))
    err = refused(order, "unmerge", "dispatcher", {}, error=InvalidInput, says="")
    assert "note" in err.errors
    order = act(order, "unmerge", "dispatcher", {"note": "不是同一诉求"}, to="registered")
    assert order.master is None
    event = master.events.last()
    assert (event.action, event.from_state, event.to_state, event.note) == ("unmerge_out", "registered", "registered", "不是同一诉求")
    # The master may now end on its own, and the former duplicate is handled on its own.
    carry(master, ("void", "agent", {"reason": "重复来电"}))
    carry(order, "dispatch")


def test_it_refuses_to_unmerge_an_order_that_is_not_merged(order, refused):
    refused(order, "unmerge", "dispatcher", {"note": "x"}, says="待派单")


def test_an_unmerged_order_does_not_follow_its_former_master(order, master, carry):
    order = carry(order, ("merge", "dispatcher", {"master": master.number}), ("unmerge", "dispatcher", {"note": "不同诉求"}))
    carry(master, "dispatch", "accept", "reply", "approve")
    order.refresh_from_db()
    assert (order.state, order.version) == ("registered", 3)


@pytest.mark.parametrize("step", [("transfer", "agent", {"target": "110"}), ("void", "agent", {"reason": "x"})])
def test_it_refuses_to_end_a_master_with_merged_orders(order, master, carry, refused, step):
    carry(order, ("merge", "dispatcher", {"master": master.number}))
    name, who, data = step
    refused(master, name, who, data, says="请先解除并单")


# ---------------------------------------------------------------- roles, versions, unknown actions

VALID_DATA = {
    "direct_answer": {"content": "答复"},
    "transfer": {"target": "110"},
    "void": {"reason": "骚扰"},
    "dispatch": {"unit": "ZJJ"},
    "reassign": {"unit": "ZJJ"},
    "designate": {"unit": "ZJJ"},
    "merge": {"master": "20260302-00001"},
    "unmerge": {"note": "不是同一诉求"},
    "approve_extension": {},
    "reject_extension": {"note": "不同意"},
    "accept": {},
    "return": {"reason": "不归我管"},
    "pass_down": {"unit": "ZJJ-WY"},
    "request_extension": {"workdays": 3, "reason": "协调"},
    "reply": {"result": "resolved", "content": "已办"},
    "approve": {},
    "reject": {"note": "重办"},
    "callback": {"result": "satisfied"},
    "urge": {"note": "催"},
    "supervise": {"note": "督"},
    "notice": {"note": "通报"},
    "resend_answer": {"note": "网关已恢复"},  # rexian.channels.undelivered
}
ROLE_USERS = {"agent": "agent", "dispatcher": "dispatcher", "department": "housing", "reviewer": "reviewer",
              "callback": "callback", "supervisor": "supervisor"}


def test_every_action_has_role_test_data():
    assert set(VALID_DATA) == set(workflow.ACTIONS)


@pytest.mark.parametrize("name", sorted(VALID_DATA))
def test_it_refuses_each_action_to_roles_that_may_not_take_it(order, refused, name):
    spec = workflow.ACTIONS[name]
    forbidden = [who for role, who in ROLE_USERS.items() if role not in spec.roles]
    assert forbidden
    for who in forbidden:
        err = refused(order, name, who, VALID_DATA[name], error=NotAllowed, says=f"您的角色不能执行“{spec.label}”")
        assert err.status == 403


def test_it_lists_what_a_user_may_do_when_refusing(order, refused):
    err = refused(order, "accept", "dispatcher", error=NotAllowed)
    assert set(err.details["allowed"]) == {"direct_answer", "transfer", "void", "dispatch", "merge"}
    err = refused(order, "approve", "supervisor", error=NotAllowed)
    assert err.details["allowed"] == ["urge", "supervise", "notice"]


def test_it_refuses_a_deactivated_user(order, users, refused):
    users["dispatcher"].is_active = False
    refused(order, "dispatch", "dispatcher", {"unit": "ZJJ"}, error=NotAllowed)


def test_an_admin_may_act_for_the_current_unit(order, carry, act):
    order = carry(order, "dispatch")
    act(order, "accept", "admin", to="handling")


def test_it_refuses_a_stale_version_and_changes_nothing(order, carry, users, footprint):
    order = carry(order, "dispatch")  # version 2; a form loaded before the dispatch holds version 1
    before = footprint(order)
    with pytest.raises(Conflict) as caught:
        workflow.perform(order, "accept", users["housing"], {}, expected_version=1)
    assert caught.value.details == {"state": "dispatched", "version": 2}
    assert "待签收" in caught.value.message
    assert footprint(order) == before


def test_it_accepts_the_current_version(order, users):
    result = workflow.perform(order, "dispatch", users["dispatcher"], {"unit": "ZJJ"}, expected_version=1)
    assert result.version == 2


def test_it_refuses_an_unknown_action(order, users, footprint):
    before = footprint(order)
    with pytest.raises(UnknownAction) as caught:
        workflow.perform(order, "teleport", users["admin"], {})
    assert caught.value.details["allowed"] == sorted(workflow.ACTIONS)
    assert footprint(order) == before


# ---------------------------------------------------------------- the whole loop


def test_the_closed_loop_leaves_a_consistent_trail(order, carry):
    order = carry(order, "dispatch", "return", "reassign", "accept", "pass_down",
                  ("return", "property", {"reason": "不归物业科"}), "reply", "reject", "reply", "approve", "satisfied")
    events = list(order.events.order_by("id"))
    assert [e.action for e in events] == [
        "register", "dispatch", "return", "reassign", "accept", "pass_down", "return",
        "reply", "reject", "reply", "approve", "callback",
    ]
    for previous, event in zip(events, events[1:]):
        assert event.from_state == previous.to_state
    assert events[-1].to_state == order.state == "closed"
    assert order.version == len(events)
    assert Reply.objects.filter(order=order).count() == 2
    assert ExtensionRequest.objects.filter(order=order).count() == 0
