"""The intake helpers of the API: the caller's earlier orders, similar open orders, the phone filter."""

import pytest

from rexian.core.models import AuditAction, AuditEntry
from rexian.orders.models import WorkOrder
from rexian.orders.services import workflow

from api_helpers import error

WATER = {"title": "幸福小区停水", "content": "幸福小区从早上开始停水，没有任何通知", "address": "东华街道幸福小区"}


# ---------------------------------------------------------------- GET /callers/{phone}/orders


def test_it_lists_the_callers_orders_newest_first_with_open_ones_flagged(api, make_order, users):
    first = make_order(title="第一次来电")
    second = make_order(title="第二次来电")
    workflow.perform(second, "merge", users["dispatcher"], {"master": first.number})
    closed = make_order(title="咨询已办结")
    WorkOrder.objects.filter(pk=closed.pk).update(state="closed")
    make_order(phone="13900000000", title="别人的工单")

    body = api("agent").get("/callers/138-1234-5678/orders").json()
    assert body["phone"] == "13812345678"
    assert [row["number"] for row in body["orders"]] == [closed.number, second.number, first.number]
    rows = {row["number"]: row for row in body["orders"]}
    assert rows[second.number]["state"]["code"] == "merged" and rows[second.number]["open"] is True
    assert rows[second.number]["master"] == first.number
    assert rows[closed.number]["open"] is False and rows[first.number]["open"] is True
    assert body["open_count"] == 2
    assert "13812345678" not in str(body["orders"])  # the rows carry no phone numbers


def test_it_finds_the_caller_by_the_citizens_phone_too(api, make_order):
    order = make_order(phone="+86 139 0000 1111")
    body = api("dispatcher").get("/callers/0086-139-0000-1111/orders").json()
    assert [row["number"] for row in body["orders"]] == [order.number]


def test_an_unknown_caller_has_no_orders(api, make_order):
    make_order()
    assert api("agent").get("/callers/13700000000/orders").json() == {
        "phone": "13700000000", "name": "", "open_count": 0, "orders": []
    }


def test_the_name_is_full_and_audited_for_the_agent(api, make_order):
    order = make_order()
    assert api("agent").get("/callers/13812345678/orders").json()["name"] == "张三"
    entry = AuditEntry.objects.get(action=AuditAction.VIEW_PERSONAL)
    assert entry.via == "api" and entry.object_id == order.number and entry.actor_name == "alice"


def test_the_name_is_masked_and_not_audited_for_the_dispatcher(api, make_order):
    make_order()
    assert api("dispatcher").get("/callers/13812345678/orders").json()["name"] == "张*"
    assert not AuditEntry.objects.filter(action=AuditAction.VIEW_PERSONAL).exists()


@pytest.mark.parametrize("role", ["housing", "reviewer", "callback", "supervisor"])
def test_other_roles_may_not_look_up_callers(api, make_order, role):
    make_order()
    response = api(role).get("/callers/13812345678/orders")
    assert response.status_code == 403 and "话务员和派单员" in error(response)["message"]


@pytest.mark.parametrize("phone", ["1234", "abcdefg", "+86 1234", "1" * 21])
def test_a_malformed_phone_is_a_clear_422(api, phone):
    response = api("agent").get(f"/callers/{phone}/orders")
    assert response.status_code == 422
    body = error(response)
    assert body["code"] == "invalid_input" and "5–20 位数字" in body["message"]
    assert list(body["details"]["errors"]) == ["phone"]


def test_the_caller_lookup_needs_a_token(make_order):
    from api_helpers import ApiClient

    assert ApiClient().get("/callers/13812345678/orders").status_code == 401


# ---------------------------------------------------------------- GET /orders/similar


def test_it_finds_similar_open_orders_of_other_callers(api, make_order):
    other = make_order(phone="13900000001", **WATER)
    own = make_order(phone="13900000002", **WATER)
    make_order(phone="13900000003", title="公交车晚点", content="12路公交车经常晚点", address="光明路")
    response = api("agent").get("/orders/similar", {**WATER, "phone": "139-0000-0002"})
    assert response.status_code == 200
    orders = response.json()["orders"]
    assert [row["number"] for row in orders] == [other.number]  # not the caller's own order, not the bus
    assert orders[0]["state"]["code"] == "registered" and 0 < orders[0]["score"] <= 1
    assert "1390000000" not in response.content.decode() and own.number not in response.content.decode()


def test_similar_orders_are_only_open_ones(api, make_order):
    done = make_order(phone="13900000001", **WATER)
    WorkOrder.objects.filter(pk=done.pk).update(state="closed")
    assert api("agent").get("/orders/similar", WATER).json() == {"orders": []}


def test_similar_needs_some_text(api):
    response = api("dispatcher").get("/orders/similar", {"area_code": "110101"})
    assert response.status_code == 422 and "title、content 或 address" in error(response)["message"]


def test_similar_rejects_a_malformed_phone(api, make_order):
    response = api("agent").get("/orders/similar", {**WATER, "phone": "12"})
    assert response.status_code == 422 and "phone" in error(response)["details"]["errors"]


@pytest.mark.parametrize("role", ["housing", "supervisor", "callback"])
def test_other_roles_may_not_search_similar_orders(api, make_order, role):
    make_order(**WATER)
    response = api(role).get("/orders/similar", WATER)
    assert response.status_code == 403 and error(response)["code"] == "forbidden"


def test_similar_is_not_taken_for_an_order_number(api):
    # /orders/{number} would answer 404 "工单 similar 不存在" if it came first.
    assert api("agent").get("/orders/similar", WATER).status_code == 200


# ---------------------------------------------------------------- GET /orders?phone=


def test_the_list_filters_by_contact_or_citizen_phone(api, make_order):
    mine = make_order(phone="13812345678")
    make_order(phone="13900000000")
    alt = make_order(phone="13700000000")
    WorkOrder.objects.filter(pk=alt.pk).update(contact_phone="13600000000")
    alt.citizen.alt_phone = "13812345678"
    alt.citizen.save()
    for role in ("agent", "callback", "admin"):
        body = api(role).get("/orders", {"phone": "+86 138 1234 5678"}).json()
        assert sorted(item["number"] for item in body["items"]) == sorted([mine.number, alt.number]), role


@pytest.mark.parametrize("role", ["dispatcher", "supervisor", "reviewer", "housing"])
def test_the_phone_filter_is_refused_to_roles_without_full_phones(api, make_order, role):
    make_order()
    response = api(role).get("/orders", {"phone": "13812345678"})
    assert response.status_code == 403
    assert "phone 筛选" in error(response)["message"]


def test_the_phone_filter_follows_the_full_phone_roles_setting(api, make_order, settings):
    make_order()
    settings.REXIAN = {**settings.REXIAN, "FULL_PHONE_ROLES": ["agent", "callback", "dispatcher"]}
    assert api("dispatcher").get("/orders", {"phone": "13812345678"}).status_code == 200
    settings.REXIAN = {**settings.REXIAN, "FULL_PHONE_ROLES": ["callback"]}
    assert api("agent").get("/orders", {"phone": "13812345678"}).status_code == 403


def test_the_phone_filter_rejects_a_malformed_phone(api):
    response = api("agent").get("/orders", {"phone": "call me"})
    assert response.status_code == 422 and list(error(response)["details"]["errors"]) == ["phone"]
