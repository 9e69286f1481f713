"""Workflow actions over the API: the closed loop, and every way an action is refused."""

from rexian.orders.models import WorkOrder, WorkOrderEvent

from api_helpers import error


def test_the_whole_loop_runs_over_the_api(api, act, city):
    created = api("agent").post(
        "/orders",
        {"phone": "13812345678", "name": "张三", "order_type": "complaint", "category": "010101",
         "title": "小区电梯长期故障", "content": "3 栋电梯坏了两周。"},
    )  # fmt: skip
    number = created.json()["number"]
    steps = [
        ("dispatcher", "dispatch", {"unit": "ZJJ", "assisting": ["CGJ"], "note": "请尽快处理"}, "dispatched"),
        ("housing", "accept", {}, "handling"),
        ("housing", "reply", {"result": "resolved", "content": "已督促物业修复电梯。"}, "replied"),
        ("reviewer", "approve", {"note": "答复属实"}, "callback"),
        ("callback", "callback", {"result": "satisfied", "note": "市民满意"}, "closed"),
    ]
    for role, action, params, state in steps:
        response = act(role, number, action, **params)
        assert response.status_code == 200, (action, response.content)
        assert response.json()["state"]["code"] == state
    body = response.json()
    assert [event["action"] for event in body["timeline"]] == [
        "register", "dispatch", "accept", "reply", "approve", "callback",
    ]  # fmt: skip
    assert body["replies"][0]["review_status"]["code"] == "approved"
    assert body["callbacks"][0]["result"] == {"code": "satisfied", "label": "满意"}
    assert body["closed_at"] is not None and body["allowed_actions"] == []


def test_an_action_in_the_wrong_state_is_409_naming_state_and_allowed(act, make_order):
    order = make_order()
    response = act("dispatcher", order.number, "reassign", unit="ZJJ")
    assert response.status_code == 409
    body = error(response)
    assert body["code"] == "invalid_transition"
    assert body["details"]["state"] == "registered"
    assert "dispatch" in body["details"]["allowed"]
    assert "待派单" in body["message"]


def test_a_role_that_may_not_act_gets_403(act, make_order):
    order = make_order()
    response = act("agent", order.number, "dispatch", unit="ZJJ")
    assert response.status_code == 403
    body = error(response)
    assert body["code"] == "forbidden"
    assert set(body["details"]["allowed"]) == {"direct_answer", "transfer", "void"}


def test_a_stale_version_is_409_and_changes_nothing(api, act, make_order):
    order = make_order()
    assert act("supervisor", order.number, "urge", note="请尽快派单").status_code == 200  # version 2
    events = WorkOrderEvent.objects.filter(order=order).count()
    response = act("dispatcher", order.number, "dispatch", unit="ZJJ", version=1)
    assert response.status_code == 409
    body = error(response)
    assert body["code"] == "conflict"
    assert body["details"] == {"state": "registered", "version": 2}
    assert WorkOrderEvent.objects.filter(order=order).count() == events
    assert WorkOrder.objects.get(pk=order.pk).state == "registered"


def test_if_match_carries_the_version(api, make_order):
    order = make_order()
    client = api("dispatcher")
    path = f"/orders/{order.number}/actions/dispatch"
    assert client.post(path, {"unit": "ZJJ"}, HTTP_IF_MATCH='"7"').status_code == 409
    response = client.post(path, {"unit": "ZJJ"}, HTTP_IF_MATCH='"1"')
    assert response.status_code == 200
    assert response["ETag"] == '"2"'
    bad = client.post(path, {"unit": "ZJJ"}, HTTP_IF_MATCH="yesterday")
    assert bad.status_code == 422 and "If-Match" in error(bad)["details"]["errors"]


def test_an_unknown_action_is_404_listing_the_actions(act, make_order):
    order = make_order()
    response = act("dispatcher", order.number, "teleport")
    assert response.status_code == 404
    body = error(response)
    assert body["code"] == "unknown_action"
    assert {"dispatch", "accept", "reply", "callback"} <= set(body["details"]["allowed"])


def test_action_parameters_are_checked_by_the_actions_form(act, make_order):
    order = make_order()
    response = act("dispatcher", order.number, "dispatch", unit="NOPE")
    assert response.status_code == 422
    assert error(response)["details"]["errors"] == {"unit": ["单位编码不存在或已停用。"]}
    response = act("dispatcher", order.number, "dispatch", unit="ZJJ", assisting=["ZJJ"])
    assert "assisting" in error(response)["details"]["errors"]


def test_action_parameters_of_the_wrong_type_are_422(api, act, make_order):
    order = make_order()
    response = act("dispatcher", order.number, "dispatch", unit="ZJJ", assisting="CGJ", note=5)
    assert response.status_code == 422
    assert error(response)["details"]["errors"] == {"assisting": ["应为数组。"], "note": ["应为字符串。"]}
    response = act("dispatcher", order.number, "dispatch", unit="ZJJ", colour="red")
    assert error(response)["details"]["errors"] == {"colour": ["不支持的字段。"]}
    response = api("dispatcher").post(f"/orders/{order.number}/actions/dispatch", "[1, 2]")
    assert response.status_code == 422 and "__all__" in error(response)["details"]["errors"]
    assert WorkOrder.objects.get(pk=order.pk).version == 1


def test_a_reply_that_cannot_resolve_needs_a_reason(act, make_order):
    order = make_order()
    act("dispatcher", order.number, "dispatch", unit="ZJJ")
    act("housing", order.number, "accept")
    response = act("housing", order.number, "reply", result="unresolvable", content="无法处理")
    assert response.status_code == 422
    assert list(error(response)["details"]["errors"]) == ["reason"]
