import pytest

from rexian.channels.inbound import Inbound, receive
from rexian.orders.services.workflow import perform


@pytest.fixture
def answered_sms_order(users, city):
    """An order that came in by SMS from 13900001111, answered and approved: its answer is in the outbox."""
    order = receive(Inbound(channel="sms", address="13900001111", phone="13900001111", body="小区门口井盖丢失，很危险",
                            external_id="sms-1")).order
    steps = [
        (users["dispatcher"], "dispatch", {"unit": "ZJJ"}),
        (users["housing"], "accept", {}),
        (users["housing"], "reply", {"result": "resolved", "content": "已补装井盖"}),
        (users["reviewer"], "approve", {}),
    ]
    for user, action, data in steps:
        order = perform(order, action, user, data)
    return order
