"""Answers the outbox gave up on: 答复未送达 on the home page, 重发答复 on the order,
and the order's channel correspondence on its page and in the API."""

import pytest

from rexian.channels import outbox
from rexian.channels.models import Message, MessageStatus
from rexian.core.models import AuditEntry
from rexian.orders import queues
from rexian.orders.services.errors import Conflict, InvalidTransition, NotAllowed
from rexian.orders.services.workflow import available_actions, perform
from tests.api.api_helpers import api_as
from tests.racing import race

CENTRE_ROLES = ("agent", "callback", "supervisor", "admin")


@pytest.fixture
def undelivered(answered_sms_order):
    """The answer failed for good: no SMS gateway was configured when the worker tried."""
    outbox.GATEWAYS.pop("sms", None)
    assert outbox.drain().failed == 1
    return answered_sms_order


@pytest.fixture
def working_gateway():
    sent = []
    outbox.register("sms", lambda message: sent.append(message.pk) or f"provider-{message.pk}")
    yield sent
    outbox.GATEWAYS.pop("sms", None)


def counts(user) -> dict[str, int]:
    return {item.queue.key: item.count for item in queues.board(user)}


def test_an_undelivered_answer_is_counted_for_the_staff_who_can_send_it_again(undelivered, users):
    for role in CENTRE_ROLES:
        assert counts(users[role])["undelivered"] == 1, role
    for role in ("dispatcher", "reviewer", "housing"):
        assert "undelivered" not in counts(users[role]), role


def test_the_queue_lists_only_orders_whose_answer_failed(client, undelivered, make_order, users):
    other = make_order()
    client.force_login(users["supervisor"])
    home = client.get("/").content.decode()
    assert "答复未送达" in home
    listed = client.get("/orders/", {"queue": "undelivered"}).content.decode()
    assert undelivered.number in listed and other.number not in listed


def test_resending_queues_the_answer_again_and_writes_it_in_the_history(undelivered, users, working_gateway):
    message = Message.objects.get(direction="out")
    assert message.attempts == 1 and "网关" in message.last_error
    order = perform(undelivered, "resend_answer", users["callback"], {"note": "短信网关已恢复"})

    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.QUEUED, 0)
    event = order.events.get(action="resend_answer")
    assert event.data == {"messages": [message.pk]} and event.note == "短信网关已恢复"
    assert event.actor == users["callback"] and event.from_state == event.to_state == undelivered.state

    assert outbox.drain().sent == 1 and working_gateway == [message.pk]
    message.refresh_from_db()
    assert (message.status, message.external_id) == (MessageStatus.SENT, f"provider-{message.pk}")
    # Nothing is left to send again: the action is gone and the queue is empty.
    assert "resend_answer" not in {spec.name for spec in available_actions(order, users["callback"])}
    with pytest.raises(InvalidTransition, match="没有发送失败的答复"):
        perform(order, "resend_answer", users["callback"], {})
    assert counts(users["agent"])["undelivered"] == 0


def test_an_order_whose_answer_is_on_its_way_offers_no_resend(answered_sms_order, users):
    assert Message.objects.get(direction="out").status == MessageStatus.QUEUED
    with pytest.raises(InvalidTransition):
        perform(answered_sms_order, "resend_answer", users["agent"], {})
    assert counts(users["agent"])["undelivered"] == 0


def test_only_centre_staff_who_talk_to_citizens_may_resend(undelivered, users):
    for role in ("dispatcher", "reviewer", "housing"):
        with pytest.raises(NotAllowed):
            perform(undelivered, "resend_answer", users[role], {})
    assert Message.objects.get(direction="out").status == MessageStatus.FAILED
    assert not undelivered.events.filter(action="resend_answer").exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_staff_resending_at_once_queue_the_answer_once(undelivered, users):
    results = race(*(lambda role=role: perform(undelivered, "resend_answer", users[role], {})
                     for role in ("agent", "supervisor")))
    assert sum(not isinstance(result, Exception) for result in results) == 1
    assert all(isinstance(result, (InvalidTransition, Conflict)) for result in results if isinstance(result, Exception))
    assert undelivered.events.filter(action="resend_answer").count() == 1


def test_the_order_page_shows_the_correspondence_and_offers_the_resend(client, undelivered, users):
    client.force_login(users["agent"])
    page = client.get(f"/orders/{undelivered.number}/").content.decode()
    assert "渠道往来" in page and "13900001111" in page
    assert "小区门口井盖丢失" in page and "已补装井盖" in page  # the citizen's message and the answer
    assert 'class="badge message-failed"' in page and "没有配置发送网关" in page
    assert "重发答复" in page
    response = client.post(f"/orders/{undelivered.number}/actions/resend_answer/", {"note": "", "version": undelivered.version},
                           follow=True)
    assert "已完成“重发答复”" in response.content.decode()
    assert Message.objects.get(direction="out").status == MessageStatus.QUEUED


def test_a_confidential_orders_addresses_are_hidden_from_its_department(client, undelivered, users):
    type(undelivered).objects.filter(pk=undelivered.pk).update(confidential=True)
    client.force_login(users["housing"])
    page = client.get(f"/orders/{undelivered.number}/").content.decode()
    assert "渠道往来" in page and "13900001111" not in page
    assert "重发答复" not in page


def test_the_api_lists_the_correspondence_with_delivery_status(undelivered, users):
    answer = Message.objects.get(direction="out")
    listed = api_as(users["agent"]).get(f"/orders/{undelivered.number}/messages").json()
    assert [(m["direction"], m["status"]) for m in listed] == [("in", "processed"), ("out", "failed")]
    assert listed[1]["id"] == answer.pk and listed[1]["address"] == "13900001111" and listed[1]["attempts"] == 1
    assert "网关" in listed[1]["last_error"] and listed[1]["status_label"] == "发送失败"
    assert AuditEntry.objects.filter(action="view_personal", via="api", object_id=undelivered.number).exists()

    type(undelivered).objects.filter(pk=undelivered.pk).update(confidential=True)
    hidden = api_as(users["housing"]).get(f"/orders/{undelivered.number}/messages").json()
    assert {m["address"] for m in hidden} == {"保密"}
    assert api_as(users["urban"]).get(f"/orders/{undelivered.number}/messages").status_code == 404


def test_the_api_filters_orders_by_the_queue(undelivered, make_order, users):
    make_order()
    listed = api_as(users["callback"]).get("/orders", {"queue": "undelivered"}).json()
    assert [item["number"] for item in listed["items"]] == [undelivered.number]


def test_the_api_resends_through_the_workflow_action(undelivered, users):
    response = api_as(users["supervisor"]).post(f"/orders/{undelivered.number}/actions/resend_answer", {})
    assert response.status_code == 200, response.content
    assert Message.objects.get(direction="out").status == MessageStatus.QUEUED
    again = api_as(users["supervisor"]).post(f"/orders/{undelivered.number}/actions/resend_answer", {})
    assert again.status_code == 409 and "没有发送失败的答复" in again.json()["message"]


def test_staff_never_read_the_citizens_tracking_code(client, users, answered_sms_order):
    """With the 查询码 and the phone a unit could rate its own answer on the portal as the citizen."""
    from rexian.channels import firstresponse

    inbound = Message.objects.get(direction="in")
    receipt = outbox.enqueue(inbound.conversation, firstresponse.acknowledgement_text(answered_sms_order, "sms"),
                             order=answered_sms_order)
    code = answered_sms_order.tracking.code
    assert code in receipt.body
    client.force_login(users["housing"])
    page = client.get(f"/orders/{answered_sms_order.number}/").content.decode()
    assert "渠道往来" in page and "查询码" in page and code not in page
    listed = api_as(users["housing"]).get(f"/orders/{answered_sms_order.number}/messages").json()
    assert any("查询码" in m["body"] for m in listed) and code not in str(listed)


def test_a_closed_orders_failed_answer_is_counted_too(undelivered, users):
    """The answer can fail after the order closed: the count and the list must agree."""
    type(undelivered).objects.filter(pk=undelivered.pk).update(state="closed")
    assert counts(users["agent"])["undelivered"] == 1
    listed = api_as(users["agent"]).get("/orders", {"queue": "undelivered"}).json()
    assert [item["number"] for item in listed["items"]] == [undelivered.number]
