"""重复来电 and 并单: the same caller's open orders on the order page and in the API, intake
duplicates by place, and merged orders shown only to those who may open them."""

import re

import pytest

from rexian.accounts.models import ApiToken
from rexian.orders.models import Citizen
from rexian.orders.services import workflow
from rexian.routing.duplicates import repeat_call_orders


def repeat_calls(user, order):
    return [call.order for call in repeat_call_orders(user, order)]

PHONE = "13812345678"


def api_get(client, user, path, **params):
    secret = ApiToken.issue(user)[1]
    return client.get(f"/api/v1{path}", params, HTTP_AUTHORIZATION=f"Bearer {secret}")


def repeat_section(page: str) -> str:
    found = re.search(r'<section class="card repeat-callers".*?</section>', page, re.S)
    return found.group(0) if found else ""


def test_it_lists_the_same_callers_other_open_orders_on_the_order_page(client, users, make_order):
    first = make_order(title="楼道灯坏了", content="幸福小区3栋楼道灯坏了一个月")
    closed = make_order(title="咨询", content="咨询事项")
    workflow.perform(closed, "void", users["dispatcher"], {"reason": "重复"})
    stranger = make_order(phone="13900000001", title="楼道灯坏了", content="幸福小区3栋楼道灯坏了一个月")
    # The same citizen again, through a channel that never passes the intake screen, about something worded apart.
    again = make_order(channel="wechat", title="还是没人来修", content="上次反映的问题到现在还没解决")
    client.force_login(users["dispatcher"])
    section = repeat_section(client.get(f"/orders/{again.number}/").content.decode())
    listed = re.findall(r'<a class="mono" href="/orders/([\d-]+)/">', section)
    assert "重复来电" in section and listed == [first.number]  # not voided, not another caller's, not itself
    assert stranger.number not in section
    assert PHONE not in section and PHONE[-4:] not in section
    assert f"?merge_master={first.number}#act-merge" in section


def test_it_counts_the_same_citizen_reached_on_a_second_number(users, make_order):
    first = make_order()
    Citizen.objects.filter(phone=PHONE).update(alt_phone="13700000002")
    second = make_order(phone="13700000002", title="又一件事", content="另一件事情")
    assert second.citizen_id == first.citizen_id
    assert repeat_calls(users["dispatcher"], first) == [second]
    assert repeat_calls(users["dispatcher"], second) == [first]


def test_phone_less_orders_are_not_each_others_repeat_calls(users, make_order):
    from rexian.orders.models import WorkOrder

    first, second = make_order(), make_order(phone="13700000003")
    # E-mail orders have no phone: an empty contact_phone must not match every other e-mail order.
    WorkOrder.objects.filter(pk__in=[first.pk, second.pk]).update(contact_phone="")
    first.refresh_from_db()
    assert repeat_calls(users["dispatcher"], first) == []


def test_it_prefills_the_merge_master_from_a_repeat_call(client, users, make_order):
    first = make_order(title="楼道灯坏了", content="楼道灯坏了")
    unrelated = make_order(phone="13900000001", title="公交站牌损坏", content="3路公交站牌被撞坏")
    again = make_order(title="还是没人来修", content="上次反映的问题到现在还没解决")
    client.force_login(users["dispatcher"])
    page = client.get(f"/orders/{again.number}/", {"merge_master": first.number}).content.decode()
    assert re.search(rf'name="master"[^>]*value="{first.number}"', page)
    # Only a listed candidate is filled in.
    page = client.get(f"/orders/{again.number}/", {"merge_master": unrelated.number}).content.decode()
    assert not re.search(rf'name="master"[^>]*value="{unrelated.number}"', page)


def test_a_master_waiting_for_its_callback_is_listed_but_not_offered(client, users, make_order):
    first = make_order()
    workflow.perform(first, "direct_answer", users["agent"], {"content": "已答复"})
    first.refresh_from_db()
    again = make_order(title="还是没人来修", content="上次反映的问题到现在还没解决")
    client.force_login(users["dispatcher"])
    section = repeat_section(client.get(f"/orders/{again.number}/").content.decode())
    if first.state == "callback":
        assert first.number in section and "merge_master" not in section
    else:  # closed at once (no callback due): not open, so not listed at all
        assert first.number not in section


def test_a_callers_merged_order_is_represented_by_its_master(client, users, make_order):
    master = make_order(phone="13900000001", title="电梯故障", content="3栋电梯坏了")
    mine = make_order(title="电梯坏了", content="3栋电梯坏了两周")
    workflow.perform(mine, "merge", users["dispatcher"], {"master": master.number})
    again = make_order(channel="sms", title="电梯还是坏的", content="还没修好")
    (call,) = repeat_call_orders(users["dispatcher"], again)
    assert call.order == master and call.via == mine.number
    row = api_get(client, users["dispatcher"], f"/orders/{again.number}/suggestions").json()["repeat_calls"][0]
    assert row["number"] == master.number and row["via"] == mine.number


def test_repeat_calls_only_include_orders_the_user_may_see(users, make_order):
    mine = workflow.perform(make_order(), "dispatch", users["dispatcher"], {"unit": "ZJJ"})
    elsewhere = workflow.perform(make_order(), "dispatch", users["dispatcher"], {"unit": "CGJ"})
    again = workflow.perform(make_order(), "dispatch", users["dispatcher"], {"unit": "ZJJ"})
    assert repeat_calls(users["housing"], again) == [mine]
    assert set(repeat_calls(users["dispatcher"], again)) == {mine, elsewhere}


def test_the_api_suggestions_list_repeat_calls_without_phone_numbers(client, users, make_order):
    first = make_order(title="楼道灯坏了", content="楼道灯坏了")
    again = make_order(channel="web", title="还是没人来修", content="上次反映的问题到现在还没解决")
    response = api_get(client, users["dispatcher"], f"/orders/{again.number}/suggestions")
    assert response.status_code == 200
    (row,) = response.json()["repeat_calls"]
    assert row["number"] == first.number and row["mergeable"] is True and row["state"] == "registered"
    assert PHONE not in response.content.decode()


def test_intake_duplicates_use_the_area_code(client, users, make_order):
    here = make_order(phone="13800000001", title="井盖丢失", content="路口井盖丢失，夜里很危险", area_code="110101")
    there = make_order(phone="13800000002", title="井盖丢失", content="路口井盖丢失，夜里很危险", area_code="110102")
    client.force_login(users["agent"])
    query = {"title": "井盖丢失", "content": "路口井盖丢失很危险", "phone": "13900000009"}
    numbers = lambda **extra: {o["number"] for o in client.get("/orders/similar/", {**query, **extra}).json()["orders"]}  # noqa: E731
    assert numbers() == {here.number, there.number}
    assert numbers(area_code="110101") == {here.number}
    # Half a code, as typed so far, narrows nothing yet.
    assert numbers(area_code="110") == {here.number, there.number}


def test_intake_duplicates_use_the_address(client, users, make_order):
    here = make_order(phone="13800000001", title="井盖丢失", content="井盖丢失，夜里很危险", address="幸福路12号")
    there = make_order(phone="13800000002", title="井盖丢失", content="井盖丢失，夜里很危险", address="光明街8号")
    client.force_login(users["agent"])
    query = {"title": "井盖丢失", "content": "井盖丢失很危险", "phone": "13900000009"}
    ranked = lambda **extra: [o["number"] for o in client.get("/orders/similar/", {**query, **extra}).json()["orders"]]  # noqa: E731
    assert ranked(address="光明街8号")[0] == there.number
    assert ranked(address="幸福路12号")[0] == here.number


@pytest.fixture
def merged_pair(users, make_order):
    """A master dispatched to 住建局 and a duplicate from another caller merged into it before."""
    master = workflow.perform(make_order(), "dispatch", users["dispatcher"], {"unit": "ZJJ"})
    child = make_order(phone="13900000001", title="同一部电梯", content="3栋电梯坏了")
    workflow.perform(child, "merge", users["dispatcher"], {"master": master.number})
    return master, child


def test_departments_see_only_the_merged_orders_they_may_open(client, users, merged_pair):
    master, child = merged_pair
    client.force_login(users["housing"])
    page = client.get(f"/orders/{master.number}/").content.decode()
    assert f"/orders/{child.number}/" not in page and "并入本单的工单" not in page
    assert client.get(f"/orders/{child.number}/").status_code == 404
    client.force_login(users["dispatcher"])
    assert f'href="/orders/{child.number}/"' in client.get(f"/orders/{master.number}/").content.decode()
    assert api_get(client, users["housing"], f"/orders/{master.number}").json()["merged"] == []
    assert api_get(client, users["dispatcher"], f"/orders/{master.number}").json()["merged"] == [child.number]


def test_the_masters_timeline_names_a_merged_order_only_to_those_who_may_see_it(client, users, merged_pair):
    master, child = merged_pair
    client.force_login(users["housing"])
    page = client.get(f"/orders/{master.number}/").content.decode()
    assert "并入工单" in page and child.number not in page
    timeline = api_get(client, users["housing"], f"/orders/{master.number}").json()["timeline"]
    assert child.number not in str(timeline) and any(event["action"] == "merge_in" for event in timeline)
    client.force_login(users["dispatcher"])
    assert f"并入 {child.number}" in client.get(f"/orders/{master.number}/").content.decode()
    timeline = api_get(client, users["dispatcher"], f"/orders/{master.number}").json()["timeline"]
    assert {"merged": child.number} in [event["data"] for event in timeline]
