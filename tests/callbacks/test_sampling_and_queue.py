import pytest

from rexian.callbacks.models import CallbackSamplingRule
from rexian.callbacks.queue import callable_now, waiting_for_retry
from rexian.callbacks.sampling import needs_callback, sample_percent
from rexian.orders.services.workflow import perform


def test_complaints_are_always_called_back_by_the_seeded_rule(make_order, settings):
    settings.REXIAN = {**settings.REXIAN, "CALLBACK_SAMPLE_PERCENT": 0}
    order = make_order(order_type="complaint")
    assert sample_percent(order, direct=False) == 100
    assert needs_callback(order, direct=False) == (True, "")


def test_without_a_rule_the_setting_decides_and_the_exemption_says_why(make_order, settings):
    settings.REXIAN = {**settings.REXIAN, "DIRECT_ANSWER_SAMPLE_PERCENT": 0}
    order = make_order(order_type="consult")
    wanted, reason = needs_callback(order, direct=True)
    assert not wanted and "0%" in reason


def test_a_category_rule_covers_sub_categories_and_beats_a_type_rule(make_order, city):
    root = city["category"].parent.parent
    CallbackSamplingRule.objects.create(name="咨询少量", order_type="consult", percent=10)
    CallbackSamplingRule.objects.create(name="城乡建设全回访", category=root, percent=100)
    order = make_order(order_type="consult")
    assert sample_percent(order, direct=False) == 100


def test_a_route_specific_rule_applies_only_to_its_route(make_order):
    CallbackSamplingRule.objects.create(name="直接答复不回访", order_type="help", route="direct", percent=0)
    order = make_order(order_type="help")
    assert sample_percent(order, direct=True) == 0
    assert sample_percent(order, direct=False) == 100  # no rule for this route: the setting


def test_the_draw_is_reproducible(make_order, settings):
    settings.REXIAN = {**settings.REXIAN, "CALLBACK_SAMPLE_PERCENT": 50}
    orders = [make_order(order_type="help") for _ in range(20)]
    first = [needs_callback(order, direct=False)[0] for order in orders]
    assert first == [needs_callback(order, direct=False)[0] for order in orders]
    assert 0 < sum(first) < 20


@pytest.fixture
def awaiting_callback(users, make_order):
    order = make_order()
    for user, action, data in [
        (users["dispatcher"], "dispatch", {"unit": "ZJJ"}),
        (users["housing"], "accept", {}),
        (users["housing"], "reply", {"result": "resolved", "content": "已处理"}),
        (users["reviewer"], "approve", {}),
    ]:
        order = perform(order, action, user, data)
    return order


def test_unreachable_waits_before_the_next_try(awaiting_callback, users):
    assert [c.order_id for c in callable_now()] == [awaiting_callback.pk]
    perform(awaiting_callback, "callback", users["callback"], {"result": "unreachable"})
    assert list(callable_now()) == []
    assert waiting_for_retry().count() == 1
