"""The dispatcher corrects the intake's category when dispatching; the category
suggestion is pre-selected when the model is confident, and its outcome recorded."""

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from rexian.directory.models import Category
from rexian.orders.choices import State
from rexian.orders.models import Citizen, DeadlinePolicy, WorkOrder
from rexian.orders.services.errors import InvalidInput
from rexian.orders.services.workflow import perform
from rexian.routing.accuracy import production_accuracy
from rexian.routing.models import Suggestion
from rexian.routing.training import train
from tests.api.api_helpers import api_as

TOPICS = {
    "010101": ["电梯坏了物业不修", "物业费乱收费", "小区电梯停运", "物业公司不作为", "楼道电梯故障"],
    "0201": ["路边摊贩占道经营", "占道堆放杂物", "流动摊贩扰民", "人行道被占用", "违章搭建棚子"],
    "0301": ["街道办不回复", "社区垃圾清运不及时", "街道卫生差", "社区活动室关闭", "街道路灯不亮"],
}
STALLS = {"title": "门口又有摊贩占道经营", "content": "流动摊贩占用人行道经营，扰民。"}


@pytest.fixture
def streets(city):
    """市容 (0201) beside the fixture's 物业服务 (010101)."""
    return Category.objects.create(code="0201", name="市容管理")


@pytest.fixture
def category_model(city, streets):
    """A category model trained on 60 closed orders, 20 per category (training input only)."""
    categories = {"010101": city["category"], "0201": streets, "0301": Category.objects.create(code="0301", name="街道事务")}
    citizen = Citizen.objects.create(name="历史", phone="13700000000")
    counter = itertools.count(1)
    for code, texts in TOPICS.items():
        for round_ in range(4):
            for text in texts:
                WorkOrder.objects.create(
                    number=f"20200101-{next(counter):05d}", order_type="complaint", title=f"{text}{round_}",
                    content=f"市民反映{text}，请处理。", citizen=citizen, contact_phone=citizen.phone,
                    state=State.CLOSED, closed_at=timezone.now(), category=categories[code],
                )
    return train("category")


def confidence(settings, percent):
    settings.REXIAN = {**settings.REXIAN, "ROUTING_PRESELECT_CONFIDENCE": percent}


def test_it_corrects_the_category_in_the_dispatch(make_order, users, streets):
    order = make_order()
    done = perform(order, "dispatch", users["dispatcher"], {"unit": "CGJ", "category": "0201"})
    order.refresh_from_db()
    assert order.category == streets and order.version == done.version
    event = order.events.get(action="dispatch")
    assert (event.data["category_from"], event.data["category_to"]) == ("010101", "0201")


def test_the_timeline_names_the_corrected_categories(client, make_order, users, city, streets):
    order = perform(make_order(), "dispatch", users["dispatcher"], {"unit": "CGJ", "category": "0201"})
    client.force_login(users["agent"])
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert f"分类更正：{city['category'].name} → {streets.name}" in page


def test_it_keeps_the_category_when_none_or_the_same_is_given(make_order, users, city):
    first, second = make_order(), make_order(phone="13800000009")
    perform(first, "dispatch", users["dispatcher"], {"unit": "ZJJ"})
    perform(second, "dispatch", users["dispatcher"], {"unit": "ZJJ", "category": city["category"].code})
    for order in (first, second):
        order.refresh_from_db()
        event = order.events.get(action="dispatch")
        assert order.category == city["category"] and "category_to" not in event.data


def test_a_reassign_may_correct_the_category_too(make_order, users, streets):
    order = perform(make_order(), "dispatch", users["dispatcher"], {"unit": "ZJJ"})
    perform(order, "return", users["housing"], {"reason": "占道经营归城管"})
    perform(order, "reassign", users["dispatcher"], {"unit": "CGJ", "category": "0201"})
    order.refresh_from_db()
    assert order.category == streets
    assert order.events.get(action="reassign").data["category_to"] == "0201"


def test_an_unknown_or_inactive_category_is_refused_and_nothing_changes(make_order, users, city, streets):
    streets.active = False
    streets.save()
    order = make_order()
    for code in ("0201", "9999"):
        with pytest.raises(InvalidInput) as refused:
            perform(order, "dispatch", users["dispatcher"], {"unit": "CGJ", "category": code})
        assert "category" in refused.value.details["errors"]
    order.refresh_from_db()
    assert order.state == State.REGISTERED and order.category == city["category"]


def test_the_accept_deadline_follows_the_corrected_category(make_order, users, streets):
    DeadlinePolicy.objects.create(name="市容 30 分钟签收", category=streets, accept_minutes=30)
    order = make_order()
    due_at = order.due_at
    before = timezone.now()
    perform(order, "dispatch", users["dispatcher"], {"unit": "CGJ", "category": "0201"})
    order.refresh_from_db()
    assert before + timedelta(minutes=29) < order.accept_deadline <= timezone.now() + timedelta(minutes=30)
    assert order.due_at == due_at  # the handling deadline promised at intake stays


def test_the_api_dispatch_corrects_the_category(make_order, users, streets):
    order = make_order()
    response = api_as(users["dispatcher"]).post(f"/orders/{order.number}/actions/dispatch",
                                                {"unit": "CGJ", "category": "0201"})
    assert response.status_code == 200, response.content
    order.refresh_from_db()
    assert order.category == streets


def test_a_confident_category_is_preselected_on_the_first_dispatch(client, make_order, users, category_model, settings):
    confidence(settings, 1)
    order = make_order(**STALLS)
    client.force_login(users["dispatcher"])
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert '<option value="0201" selected>' in page and "已预选，可在派单时更正分类" in page


def test_an_unconfident_category_is_not_preselected(client, make_order, users, category_model, settings):
    confidence(settings, 100)
    order = make_order(**STALLS)
    client.force_login(users["dispatcher"])
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert '<option value="0201" selected>' not in page
    assert '<option value="010101" selected>' in page  # the order's own category


def test_the_category_outcome_is_recorded_at_the_first_dispatch(make_order, users, category_model):
    taken = make_order(**STALLS)
    perform(taken, "dispatch", users["dispatcher"], {"unit": "CGJ", "category": "0201"})
    kept = make_order(phone="13800000009", **STALLS)
    perform(kept, "dispatch", users["dispatcher"], {"unit": "ZJJ"})  # left at 物业服务 against the model
    rows = {row.order_id: row for row in Suggestion.objects.filter(kind="category")}
    assert (rows[taken.pk].chosen_code, rows[taken.pk].taken) == ("0201", True)
    assert (rows[kept.pk].chosen_code, rows[kept.pk].taken) == ("010101", False)
    assert rows[taken.pk].model_version == category_model
    assert production_accuracy(kind="category")["taken"] == 1
    perform(kept, "return", users["housing"], {"reason": "不属于本单位"})
    assert Suggestion.objects.get(order=kept, kind="category").returned


def test_a_later_reassign_does_not_change_the_recorded_category(make_order, users, streets):
    order = perform(make_order(), "dispatch", users["dispatcher"], {"unit": "ZJJ"})
    perform(order, "return", users["housing"], {"reason": "不属于本单位"})
    perform(order, "reassign", users["dispatcher"], {"unit": "CGJ", "category": "0201"})
    row = Suggestion.objects.get(order=order, kind="category")
    assert row.chosen_code == "010101" and row.returned
