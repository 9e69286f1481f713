"""Intake, the action panel, queues, filters, the overview and notifications, through the test client."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from rexian.orders.models import Notification, WorkOrder


def _detail(order):
    return reverse("orders:detail", args=[order.number])


def _action(order, name):
    return reverse("orders:action", args=[order.number, name])


INTAKE = {
    "phone": "139-0000-2222",
    "name": "王五",
    "order_type": "help",
    "urgency": "normal",
    "channel": "phone",
    "category": "010101",
    "title": "路灯不亮",
    "content": "幸福路 12 号门口路灯连续三晚不亮。",
    "address": "幸福路 12 号",
}


# ---------------------------------------------------------------- intake


def test_it_registers_an_order_from_the_intake_form(login, users, city):
    response = login("agent").post(reverse("orders:intake"), INTAKE)
    order = WorkOrder.objects.get()
    assert response.status_code == 302 and response.url == _detail(order)
    assert order.contact_phone == "13900002222"
    assert order.created_by == users["agent"]
    page = login("agent").get(response.url).content.decode()
    assert f"工单 {order.number} 已受理" in page


def test_it_shows_intake_errors_next_to_the_fields(login, city):
    response = login("agent").post(reverse("orders:intake"), {**INTAKE, "phone": "12", "title": ""})
    page = response.content.decode()
    assert response.status_code == 200
    assert "受理信息有误" in page
    assert "请输入有效的电话号码" in page
    assert not WorkOrder.objects.exists()


def test_it_renders_the_intake_form_keyboard_first(login, city):
    page = login("agent").get(reverse("orders:intake") + "?phone=13812345678").content.decode()
    assert 'accesskey="p"' in page and "autofocus" in page
    assert 'value="13812345678"' in page  # a softphone can open the form with the caller's number
    assert "data-ctrl-enter" in page
    assert "城乡建设 / 物业管理 / 物业服务" in page  # categories with their full path
    assert "保存并派单" not in page  # agents do not dispatch


def test_it_offers_save_and_dispatch_to_a_dispatcher(login, city):
    client = login("dispatcher")
    assert "保存并派单" in client.get(reverse("orders:intake")).content.decode()
    response = client.post(reverse("orders:intake"), {**INTAKE, "then": "dispatch"})
    assert response.url.endswith("#act-dispatch")


def test_it_returns_the_callers_history_as_json(login, make_order, act):
    closed = act(make_order(title="早先的咨询"), "void", "agent", reason="重复来电")
    open_order = make_order(title="电梯又坏了")
    make_order(phone="13700000000")
    response = login("agent").get(reverse("orders:caller_history"), {"phone": "138 1234 5678"})
    data = json.loads(response.content)
    assert data["phone"] == "13812345678"
    assert data["name"] == "张三"
    assert data["open_count"] == 1
    assert [row["number"] for row in data["orders"]] == [open_order.number, closed.number]
    assert data["orders"][0]["open"] is True and data["orders"][0]["state_label"] == "待派单"
    assert data["orders"][0]["url"] == _detail(open_order)


def test_the_history_finds_the_caller_by_second_phone_and_as_contact(login, make_order):
    by_alt_phone = make_order(phone="13900000001", title="备用号码的工单")
    by_alt_phone.citizen.alt_phone = "13812345678"
    by_alt_phone.citizen.save()
    as_contact = make_order(phone="13900000002", title="代家人反映")
    WorkOrder.objects.filter(pk=as_contact.pk).update(contact_phone="13812345678")
    make_order(phone="13900000003", title="别人的工单")
    data = json.loads(login("agent").get(reverse("orders:caller_history"), {"phone": "13812345678"}).content)
    assert [row["number"] for row in data["orders"]] == [as_contact.number, by_alt_phone.number]


def test_it_returns_no_history_for_a_partial_number(login, make_order):
    make_order()
    data = json.loads(login("agent").get(reverse("orders:caller_history"), {"phone": "138"}).content)
    assert data["orders"] == []


# ---------------------------------------------------------------- action panel


def test_it_renders_only_the_actions_the_workflow_offers(login, dispatched):
    page = login("housing").get(_detail(dispatched)).content.decode()
    assert _action(dispatched, "accept") in page
    assert _action(dispatched, "return") in page
    for name in ("reply", "dispatch", "approve", "void", "urge"):
        assert _action(dispatched, name) not in page
    assert f'name="version" value="{dispatched.version}"' in page


def test_it_renders_no_actions_for_a_closed_order(login, make_order, act):
    order = act(make_order(), "void", "agent", reason="骚扰电话")
    page = login("dispatcher").get(_detail(order)).content.decode()
    assert "当前没有您可执行的操作" in page
    assert f"/orders/{order.number}/actions/" not in page


def test_it_performs_an_action_and_redirects_with_a_message(login, dispatched):
    client = login("housing")
    response = client.post(_action(dispatched, "accept"), {"version": dispatched.version, "note": "已安排"})
    assert response.status_code == 302 and response.url == _detail(dispatched)
    dispatched.refresh_from_db()
    assert dispatched.state == "handling"
    page = client.get(response.url).content.decode()
    assert "已完成“签收”" in page
    assert "已安排" in page  # the note is in the timeline


def test_it_reports_a_stale_page_as_a_conflict_and_changes_nothing(login, dispatched, act):
    stale = dispatched.version
    act(dispatched, "urge", "supervisor", note="请尽快签收")  # someone else acts first
    dispatched.refresh_from_db()
    before = (dispatched.state, dispatched.version, dispatched.events.count())
    response = login("housing").post(_action(dispatched, "accept"), {"version": stale}, follow=True)
    assert "已被他人更新" in response.content.decode()
    dispatched.refresh_from_db()
    assert (dispatched.state, dispatched.version, dispatched.events.count()) == before


def test_it_shows_invalid_input_next_to_the_field_and_keeps_what_was_typed(login, dispatched, act):
    act(dispatched, "accept", "housing")
    dispatched.refresh_from_db()
    response = login("housing").post(
        _action(dispatched, "reply"), {"version": dispatched.version, "result": "unresolvable", "content": "我的答复草稿"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "必须说明原因" in page
    assert "我的答复草稿" in page
    assert 'id="act-reply" open' in page
    dispatched.refresh_from_db()
    assert dispatched.state == "handling"


def test_it_shows_errors_the_service_finds_after_validation(login, make_order):
    order = make_order()
    response = login("dispatcher").post(_action(order, "merge"), {"version": order.version, "master": "19990101-00001"})
    assert "主工单 19990101-00001 不存在" in response.content.decode()
    assert "工单不存在" in response.content.decode()


def test_it_refuses_an_action_the_role_may_not_take_with_a_message(login, make_order):
    order = make_order()
    response = login("reviewer").post(_action(order, "dispatch"), {"version": order.version, "unit": "ZJJ"}, follow=True)
    assert "您的角色不能执行“派单”" in response.content.decode()
    order.refresh_from_db()
    assert order.state == "registered"


def test_it_refuses_an_action_without_a_version(login, make_order):
    order = make_order()
    response = login("dispatcher").post(_action(order, "dispatch"), {"unit": "ZJJ"}, follow=True)
    assert "页面已过期" in response.content.decode()
    order.refresh_from_db()
    assert order.state == "registered"


def test_it_gives_404_for_an_unknown_action(login, make_order):
    order = make_order()
    assert login("dispatcher").post(_action(order, "teleport"), {"version": order.version}).status_code == 404


def test_it_shows_the_timeline_with_chinese_labels_and_states(login, dispatched):
    page = login("dispatcher").get(_detail(dispatched)).content.decode()
    assert "受理登记" in page and "派单" in page
    assert "state-registered" in page and "state-dispatched" in page
    assert "dan（派单员）" in page


def test_it_marks_a_provisional_deadline(login, make_order):
    order = make_order()
    WorkOrder.objects.filter(pk=order.pk).update(due_provisional=True)
    page = login("agent").get(_detail(order)).content.decode()
    assert "（暂定）" in page
    assert "节假日安排尚未公布" in page


# ---------------------------------------------------------------- queues and lists


def _due_in(order, hours):
    WorkOrder.objects.filter(pk=order.pk).update(due_at=timezone.now() + timedelta(hours=hours))


def test_it_counts_the_department_workbench_by_queue(login, dispatched, make_order, act):
    handling = act(act(make_order(title="另一件"), "dispatch", "dispatcher", unit="ZJJ"), "accept", "housing")
    _due_in(handling, -1)
    elsewhere = act(make_order(title="城管的"), "dispatch", "dispatcher", unit="CGJ")
    _due_in(elsewhere, 2)
    response = login("housing").get(reverse("home"))
    counts = {item.queue.key: item.count for item in response.context["board"]}
    assert counts == {"dispatched": 1, "handling": 1, "due_soon": 0, "overdue": 1, "extension": 0}
    page = response.content.decode()
    assert "?queue=overdue" in page
    assert "新工单待签收" in page  # the unit's unread notifications


def test_it_counts_the_centre_board_for_a_dispatcher(login, dispatched, make_order):
    soon = make_order()
    _due_in(soon, 2)
    counts = {item.queue.key: item.count for item in login("dispatcher").get(reverse("home")).context["board"]}
    assert counts["registered"] == 1 and counts["dispatched"] == 1 and counts["due_soon"] == 1


def test_it_counts_extension_requests_for_the_unit_and_the_dispatcher(login, dispatched, act):
    act(act(dispatched, "accept", "housing"), "request_extension", "housing", workdays=5, reason="需要协调燃气公司")

    def counts(role):
        return {item.queue.key: item.count for item in login(role).get(reverse("home")).context["board"]}

    assert counts("housing")["extension"] == 1
    assert counts("dispatcher")["extension"] == 1
    page = login("dispatcher").get(reverse("orders:list"), {"queue": "extension"}).content.decode()
    assert dispatched.number in page


def test_it_lists_a_queue_with_due_soon_and_overdue_badges(login, make_order):
    late, soon, fine = make_order(title="已超期"), make_order(title="快到期"), make_order(title="不急")
    _due_in(late, -3)
    _due_in(soon, 3)
    client = login("supervisor")
    overdue_page = client.get(reverse("orders:list"), {"queue": "overdue"}).content.decode()
    assert "已超期" in overdue_page and "快到期" not in overdue_page and "不急" not in overdue_page
    assert "badge-overdue" in overdue_page and "row-overdue" in overdue_page
    soon_page = client.get(reverse("orders:list"), {"deadline": "due_soon"}).content.decode()
    assert "快到期" in soon_page and "badge-due-soon" in soon_page and "已超期" not in soon_page


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"state": "dispatched"}, {"电梯"}),
        ({"unit": "ZJJ"}, {"电梯"}),
        ({"order_type": "consult"}, {"咨询公积金"}),
        ({"channel": "wechat"}, {"微信来的"}),
        ({"q": "公积金"}, {"咨询公积金"}),
        ({"category": "01"}, {"电梯", "微信来的"}),  # a category includes its sub-categories
        ({"unit": "NOPE"}, {"电梯", "咨询公积金", "微信来的"}),  # an unknown filter value is ignored
    ],
)
def test_it_filters_the_list(login, make_order, act, params, expected):
    act(make_order(title="电梯"), "dispatch", "dispatcher", unit="ZJJ")
    make_order(title="咨询公积金", order_type="consult", category="")
    make_order(title="微信来的", channel="wechat")
    response = login("dispatcher").get(reverse("orders:list"), params)
    assert {order.title for order in response.context["page"].rows} == expected


def test_it_pages_the_list_without_counting(login, make_order, monkeypatch):
    from rexian.orders import queues

    for index in range(3):
        make_order(title=f"第{index}件")
    monkeypatch.setattr(queues, "PAGE_SIZE", 2)
    client = login("agent")
    first = client.get(reverse("orders:list")).context["page"]
    second = client.get(reverse("orders:list"), {"page": 2}).context["page"]
    assert len(first.rows) == 2 and first.has_next
    assert len(second.rows) == 1 and not second.has_next and second.has_previous


def test_it_avoids_a_query_per_row_in_the_list(login, make_order, django_assert_max_num_queries):
    for _index in range(5):
        make_order()
    client = login("dispatcher")
    client.get(reverse("orders:list"))  # warm up session and caches
    with django_assert_max_num_queries(12):
        client.get(reverse("orders:list"))


# ---------------------------------------------------------------- overview and notifications


def test_it_summarises_the_centre_for_the_supervisor(login, dispatched, make_order, act):
    _due_in(dispatched, -2)
    act(dispatched, "supervise", "supervisor", note="限期办结")
    _due_in(make_order(title="快到期"), 5)
    response = login("supervisor").get(reverse("orders:overview"))
    page = response.content.decode()
    assert response.context["overdue_units"][0]["current_unit__code"] == "ZJJ"
    assert "市住建局" in page and "限期办结" in page and "快到期" in page
    assert len(response.context["days"]) == 30
    assert response.context["days"][-1][1] == 2  # both orders were registered today


def test_it_marks_notifications_as_read(login, dispatched):
    client = login("housing")
    page = client.get(reverse("orders:notifications")).content.decode()
    assert "新工单待签收" in page and "标为已读" in page
    note = Notification.objects.get(unit__code="ZJJ")
    client.post(reverse("orders:notifications_read"), {"notification": note.pk})
    note.refresh_from_db()
    assert note.read_at is not None


@pytest.mark.parametrize("value", ["abc", "²"])  # ² is a digit to str.isdigit(), not to int()
def test_a_malformed_notification_id_is_not_found_and_marks_nothing(login, dispatched, value):
    assert login("housing").post(reverse("orders:notifications_read"), {"notification": value}).status_code == 404
    assert Notification.objects.get(unit__code="ZJJ").read_at is None


def test_it_does_not_let_another_unit_mark_a_notification(login, dispatched):
    note = Notification.objects.get(unit__code="ZJJ")
    login("urban").post(reverse("orders:notifications_read"))
    note.refresh_from_db()
    assert note.read_at is None
    assert "新工单待签收" not in login("urban").get(reverse("orders:notifications")).content.decode()
