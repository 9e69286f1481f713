"""Intake, the order list and the order detail over the API."""

from datetime import timedelta

import pytest
from django.utils import timezone

from rexian.core.models import AuditEntry
from rexian.orders.models import WorkOrder
from rexian.orders.services import workflow

from api_helpers import error

INTAKE = {
    "phone": "138-1234-5678",
    "name": "李四",
    "id_number": "110101199001011234",
    "order_type": "complaint",
    "urgency": "urgent",
    "channel": "wechat",
    "category": "010101",
    "title": "小区电梯长期故障",
    "content": "3 栋电梯坏了两周，物业不修。",
    "address": "东华街道幸福小区3栋",
    "area_code": "110101",
    "latitude": 39.9042,
    "longitude": 116.4074,
    "confidential": False,
}


def dispatch(order, users, unit):
    return workflow.perform(order, "dispatch", users["dispatcher"], {"unit": unit.code})


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["number"] for item in response.json()["items"]]


# ---------------------------------------------------------------- intake


def test_it_registers_an_order(api, city):
    response = api("agent").post("/orders", INTAKE)
    assert response.status_code == 201, response.content
    body = response.json()
    order = WorkOrder.objects.get(number=body["number"])
    assert response["Location"] == f"/api/v1/orders/{order.number}"
    assert body["state"] == {"code": "registered", "label": "待派单"}
    assert body["urgency"]["code"] == "urgent" and body["channel"]["code"] == "wechat"
    assert body["category"] == {"code": "010101", "name": "物业服务"}
    assert body["citizen"]["phone"] == "13812345678"  # the agent sees the number in full
    assert body["version"] == 1
    assert order.latitude is not None and order.events.count() == 1


def test_it_refuses_intake_by_a_department(api, city):
    response = api("housing").post("/orders", INTAKE)
    assert response.status_code == 403
    assert error(response)["code"] == "forbidden"
    assert not WorkOrder.objects.exists()


def test_intake_reports_the_forms_field_errors(api, city):
    response = api("agent").post("/orders", {**INTAKE, "phone": "12", "category": "999", "title": "x" * 201})
    assert response.status_code == 422
    errors = error(response)["details"]["errors"]
    assert set(errors) == {"phone", "category", "title"}
    assert errors["category"] == ["分类编码不存在或已停用。"]


def test_a_category_stopped_by_the_admin_is_refused_at_once(api, city):
    assert api("agent").post("/orders", INTAKE).status_code == 201  # the category snapshot is loaded now
    leaf = city["category"]
    leaf.active = False
    leaf.save()
    response = api("agent").post("/orders", INTAKE)
    assert response.status_code == 422
    assert error(response)["details"]["errors"]["category"] == ["分类编码不存在或已停用。"]


def test_intake_reports_missing_fields(api, city):
    response = api("agent").post("/orders", {"phone": "13800000000"})
    assert response.status_code == 422
    assert {"order_type", "title", "content"} <= set(error(response)["details"]["errors"])


def test_a_retry_with_the_same_idempotency_key_gets_the_same_order(api, city):
    first = api("agent").post("/orders", INTAKE, HTTP_IDEMPOTENCY_KEY="3f2b1c9e-0d4a-4f7e-9c1b-6a5d2e8f7b10")
    assert first.status_code == 201 and "Idempotent-Replayed" not in first
    again = api("agent").post("/orders", INTAKE, HTTP_IDEMPOTENCY_KEY="3f2b1c9e-0d4a-4f7e-9c1b-6a5d2e8f7b10")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again["Location"] == first["Location"] and again.json()["number"] == first.json()["number"]
    other = api("agent").post("/orders", INTAKE, HTTP_IDEMPOTENCY_KEY="another-attempt")
    assert other.json()["number"] != first.json()["number"]
    assert WorkOrder.objects.count() == 2 and WorkOrder.objects.get(number=first.json()["number"]).events.count() == 1


def test_an_idempotency_key_is_the_senders_own(api, city):
    """Another user's key of the same spelling is another key: nobody gets somebody else's order."""
    mine = api("agent").post("/orders", INTAKE, HTTP_IDEMPOTENCY_KEY="k-1").json()["number"]
    theirs = api("dispatcher").post("/orders", INTAKE, HTTP_IDEMPOTENCY_KEY="k-1").json()["number"]
    assert mine != theirs and WorkOrder.objects.count() == 2


def test_an_idempotency_key_reused_for_another_request_is_refused(api, city):
    assert api("agent").post("/orders", INTAKE, HTTP_IDEMPOTENCY_KEY="k-2").status_code == 201
    response = api("agent").post("/orders", {**INTAKE, "title": "另一件事"}, HTTP_IDEMPOTENCY_KEY="k-2")
    assert response.status_code == 422
    assert error(response)["details"]["errors"] == {"Idempotency-Key": ["已用于另一请求。"]}
    assert WorkOrder.objects.count() == 1


@pytest.mark.parametrize("key", ["", "带中文的键", "a b", "x" * 129])
def test_a_malformed_idempotency_key_is_refused_and_nothing_registered(api, city, key):
    response = api("agent").post("/orders", INTAKE, HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 422
    assert "Idempotency-Key" in error(response)["details"]["errors"]
    assert not WorkOrder.objects.exists()


def test_an_invalid_intake_with_a_key_can_be_corrected_under_the_same_key(api, city):
    """Nothing is stored for a refused request, so the corrected one is not a 'reuse'."""
    assert api("agent").post("/orders", {**INTAKE, "phone": "12"}, HTTP_IDEMPOTENCY_KEY="k-3").status_code == 422
    assert api("agent").post("/orders", INTAKE, HTTP_IDEMPOTENCY_KEY="k-3").status_code == 201


def test_idempotency_keys_expire_with_the_sweep_and_the_orders_stay(api, city, settings):
    from rexian.orders.models import IntakeKey
    from rexian.orders.services.sweep import sweep

    number = api("agent").post("/orders", INTAKE, HTTP_IDEMPOTENCY_KEY="k-4").json()["number"]
    hours = settings.REXIAN["IDEMPOTENCY_HOURS"]
    assert sweep(now=timezone.now() + timedelta(hours=hours) - timedelta(minutes=1)).intake_keys_purged == 0
    assert sweep(now=timezone.now() + timedelta(hours=hours, minutes=1)).intake_keys_purged == 1
    assert not IntakeKey.objects.exists() and WorkOrder.objects.filter(number=number).exists()
    assert api("agent").post("/orders", INTAKE, HTTP_IDEMPOTENCY_KEY="k-4").json()["number"] != number


def test_an_expired_key_the_sweep_has_not_forgotten_yet_registers_anew(api, city, settings):
    from rexian.orders.models import IntakeKey

    number = api("agent").post("/orders", INTAKE, HTTP_IDEMPOTENCY_KEY="k-5").json()["number"]
    hours = settings.REXIAN["IDEMPOTENCY_HOURS"]
    IntakeKey.objects.update(created_at=timezone.now() - timedelta(hours=hours, minutes=1))  # no worker ran
    response = api("agent").post("/orders", INTAKE, HTTP_IDEMPOTENCY_KEY="k-5")
    assert response.status_code == 201 and "Idempotent-Replayed" not in response
    assert response.json()["number"] != number
    assert IntakeKey.objects.get().order.number == response.json()["number"]


def test_a_replay_is_refused_to_a_user_who_may_no_longer_register(api, city, users):
    assert api("agent").post("/orders", INTAKE, HTTP_IDEMPOTENCY_KEY="k-6").status_code == 201
    users["agent"].role = "callback"
    users["agent"].save()
    response = api("agent").post("/orders", INTAKE, HTTP_IDEMPOTENCY_KEY="k-6")
    assert response.status_code == 403


# ---------------------------------------------------------------- list


def test_it_lists_orders_newest_first(api, make_order):
    first, second = make_order(), make_order(title="路灯不亮")
    response = api("dispatcher").get("/orders")
    assert numbers(response) == [second.number, first.number]
    item = response.json()["items"][0]
    assert set(item) >= {
        "number", "title", "order_type", "urgency", "channel", "state", "category", "current_unit", "due_at",
        "due_provisional", "accept_deadline", "overdue", "due_soon", "created_at", "version", "citizen",
    }  # fmt: skip
    assert item["state"] == {"code": "registered", "label": "待派单"}


def test_it_masks_the_phone_for_a_dispatcher_but_not_an_agent(api, make_order):
    make_order()
    dispatcher_view = api("dispatcher").get("/orders").json()["items"][0]["citizen"]
    agent_view = api("agent").get("/orders").json()["items"][0]["citizen"]
    assert dispatcher_view["phone"] == "138****5678" and dispatcher_view["name"] == "张*"
    assert agent_view["phone"] == "13812345678"


def test_a_department_lists_only_its_units_orders(api, make_order, users, city):
    mine, theirs = make_order(), make_order()
    make_order()  # never dispatched
    dispatch(mine, users, city["housing"])
    dispatch(theirs, users, city["urban"])
    assert numbers(api("housing").get("/orders")) == [mine.number]
    assert numbers(api("urban").get("/orders")) == [theirs.number]
    assert numbers(api("property").get("/orders")) == []  # a sub-unit sees only what reached it


def test_a_department_gets_404_for_another_units_order(api, make_order, users, city):
    order = make_order()
    dispatch(order, users, city["urban"])
    response = api("housing").get(f"/orders/{order.number}")
    assert response.status_code == 404
    assert error(response)["code"] == "not_found"
    assert api("housing").post(f"/orders/{order.number}/actions/accept").status_code == 404


def test_a_confidential_order_hides_the_citizen_from_the_department(api, make_order, users, city):
    order = make_order(confidential=True)
    dispatch(order, users, city["housing"])
    listed = api("housing").get("/orders").json()["items"][0]["citizen"]
    detail = api("housing").get(f"/orders/{order.number}").json()["citizen"]
    for view in (listed, detail):
        assert view["hidden"] is True
        assert "张" not in view["name"] and "5678" not in view["phone"]
    assert not AuditEntry.objects.filter(actor=users["housing"]).exists()  # nothing personal was shown
    assert api("dispatcher").get(f"/orders/{order.number}").json()["citizen"]["name"] == "张三"


@pytest.mark.parametrize("query", ["registered,closed", ["registered", "closed"]])
def test_it_filters_by_states(api, make_order, users, city, query):
    registered, dispatched = make_order(), make_order()
    dispatch(dispatched, users, city["housing"])
    assert numbers(api("dispatcher").get("/orders", {"state": query})) == [registered.number]


def test_it_filters_by_unit_including_sub_units(api, make_order, users, city):
    housing, urban = make_order(), make_order()
    dispatch(housing, users, city["housing"])
    dispatch(urban, users, city["urban"])
    workflow.perform(housing, "accept", users["housing"], {})
    workflow.perform(housing, "pass_down", users["housing"], {"unit": "ZJJ-WY"})
    assert numbers(api("dispatcher").get("/orders", {"unit": "ZJJ"})) == [housing.number]
    assert numbers(api("dispatcher").get("/orders", {"unit": "ZJJ-WY"})) == [housing.number]
    assert numbers(api("dispatcher").get("/orders", {"unit": "CGJ"})) == [urban.number]


def test_it_filters_by_category_including_sub_categories(api, make_order):
    leaf = make_order()
    make_order(category="")
    assert numbers(api("dispatcher").get("/orders", {"category": "01"})) == [leaf.number]
    assert numbers(api("dispatcher").get("/orders", {"category": "010101"})) == [leaf.number]


def test_it_filters_by_channel_type_and_text(api, make_order):
    web = make_order(channel="web", order_type="consult", title="公积金提取")
    make_order()
    client = api("dispatcher")
    assert numbers(client.get("/orders", {"channel": "web"})) == [web.number]
    assert numbers(client.get("/orders", {"order_type": "consult"})) == [web.number]
    assert numbers(client.get("/orders", {"q": "公积金"})) == [web.number]


def test_it_filters_by_work_queue(api, make_order, users, city):
    waiting, accepted = make_order(), make_order()
    for order in (waiting, accepted):
        dispatch(order, users, city["housing"])
    workflow.perform(accepted, "accept", users["housing"], {})
    assert numbers(api("housing").get("/orders", {"queue": "dispatched"})) == [waiting.number]
    assert numbers(api("housing").get("/orders", {"queue": "handling"})) == [accepted.number]
    response = api("housing").get("/orders", {"queue": "someday"})
    assert response.status_code == 422 and "queue" in error(response)["details"]["errors"]


def test_it_filters_overdue_and_due_soon(api, make_order):
    late, soon = make_order(), make_order()
    make_order()
    now = timezone.now()
    WorkOrder.objects.filter(pk=late.pk).update(due_at=now - timedelta(hours=1))
    WorkOrder.objects.filter(pk=soon.pk).update(due_at=now + timedelta(hours=1))
    client = api("supervisor")
    overdue = client.get("/orders", {"overdue": "true"})
    assert numbers(overdue) == [late.number]
    assert overdue.json()["items"][0]["overdue"] is True
    assert numbers(client.get("/orders", {"due_soon": "true"})) == [soon.number]


def test_it_filters_by_creation_time(api, make_order):
    old, new = make_order(), make_order()
    WorkOrder.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=10))
    cutoff = (timezone.localdate() - timedelta(days=1)).isoformat()
    assert numbers(api("dispatcher").get("/orders", {"created_after": cutoff})) == [new.number]
    assert numbers(api("dispatcher").get("/orders", {"created_before": cutoff})) == [old.number]


def test_it_pages_with_a_cursor_without_gaps_or_repeats(api, make_order):
    orders = [make_order() for _ in range(7)]
    # Three orders share one timestamp: the id breaks the tie.
    WorkOrder.objects.filter(pk__in=[o.pk for o in orders[2:5]]).update(created_at=orders[2].created_at)
    expected = list(WorkOrder.objects.order_by("-created_at", "-pk").values_list("number", flat=True))
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = api("dispatcher").get("/orders", params).json()
        seen += [item["number"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == expected
    assert pages == 3


def test_the_list_runs_a_constant_number_of_queries(api, make_order, users, city, django_assert_max_num_queries):
    def count(role):
        # token (with its user and unit), category path, the page. The token's
        # last-used stamp is written at most once a minute, and a verified token
        # (with its unit's sub-units) is remembered for seconds, so both are warmed below.
        with django_assert_max_num_queries(4) as queries:
            assert api(role).get("/orders", {"category": "01"}).status_code == 200
        return len(queries)

    def add(n):
        for _ in range(n):
            dispatch(make_order(), users, city["housing"])

    add(2)
    for role in ("dispatcher", "housing", "agent"):
        api(role).get("/orders", {"category": "01"})
    few = {role: count(role) for role in ("dispatcher", "housing", "agent")}
    add(10)
    assert {role: count(role) for role in few} == few


# ---------------------------------------------------------------- detail


def test_the_detail_shows_timeline_and_allowed_actions(api, make_order, users, city):
    order = make_order()
    dispatch(order, users, city["housing"])
    response = api("housing").get(f"/orders/{order.number}")
    assert response.status_code == 200
    assert response["ETag"] == '"2"'
    body = response.json()
    assert [event["action"] for event in body["timeline"]] == ["register", "dispatch"]
    dispatched = body["timeline"][1]
    assert dispatched["label"] == "派单"
    assert dispatched["actor"]["username"] == "dan"
    assert (dispatched["from_state"]["code"], dispatched["to_state"]["code"]) == ("registered", "dispatched")
    assert dispatched["unit"] == {"code": "ZJJ", "name": "市住建局"}
    assert body["assignments"][0]["unit"]["code"] == "ZJJ"
    assert set(body["allowed_actions"]) == {"accept", "return"}
    assert body["content"] == order.content
    for key in ("replies", "extensions", "supervisions", "callbacks"):
        assert body[key] == []


def test_the_detail_runs_a_constant_number_of_queries(api, make_order, users, django_assert_max_num_queries):
    order = make_order()

    def count():
        with django_assert_max_num_queries(20) as queries:
            assert api("supervisor").get(f"/orders/{order.number}").status_code == 200
        return len(queries)

    workflow.perform(order, "urge", users["supervisor"], {"note": "请尽快派单"})
    api("supervisor").get("/me")  # the token's last-used stamp is written at most once a minute
    once = count()
    for _ in range(5):
        workflow.perform(order, "supervise", users["supervisor"], {"note": "再次督办"})
    assert count() == once


def test_viewing_the_detail_is_audited(api, make_order, users):
    order = make_order()
    response = api("dispatcher").get(f"/orders/{order.number}")
    assert response.json()["citizen"]["phone"] == "13812345678"
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.via, entry.object_id, entry.actor) == (
        "view_personal",
        "api",
        order.number,
        users["dispatcher"],
    )


def test_an_unknown_order_is_404(api, city, users):
    response = api("admin").get("/orders/20000101-00001")
    assert response.status_code == 404
    assert error(response)["code"] == "not_found"
