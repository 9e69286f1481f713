"""What the agent and the dispatcher see: knowledge to answer with, similar orders, routing help."""

from rexian.knowledge import services as knowledge
from rexian.knowledge.models import ArticleUsage
from rexian.routing.models import CatalogueRule

INTAKE = {"phone": "13911112222", "name": "王五", "order_type": "consult", "title": "公积金怎么提取",
          "content": "想咨询住房公积金提取需要什么材料"}


def published(users, title, body):
    article = knowledge.create(users["supervisor"], {"kind": "qa", "title": title, "body": body, "visibility": "internal"})
    knowledge.transition(article, "submit", users["supervisor"])
    return knowledge.transition(article, "publish", users["reviewer"])


def test_the_agent_registers_and_answers_from_an_article_in_one_step(client, users):
    article = published(users, "住房公积金提取", "购房、租房、退休可提取，带身份证和合同到公积金中心。")
    client.force_login(users["agent"])
    response = client.post("/orders/intake/", {**INTAKE, "answer_article": article.pk, "answer_content": article.body})
    assert response.status_code == 302
    usage = ArticleUsage.objects.get(kind="used")
    assert usage.order.state in ("callback", "closed")
    assert usage.order.replies.get().content == article.body


def test_an_invalid_intake_does_not_use_the_article(client, users):
    article = published(users, "住房公积金提取", "购房可提取。")
    client.force_login(users["agent"])
    response = client.post("/orders/intake/", {**INTAKE, "phone": "x", "answer_article": article.pk})
    assert response.status_code == 200 and not ArticleUsage.objects.exists()


def test_similar_open_orders_from_other_callers_are_offered(client, users, make_order):
    make_order(phone="13800000001", title="幸福路12号井盖丢失", content="幸福路12号门口井盖丢失，夜里很危险")
    make_order(phone="13800000002", title="公交站牌损坏", content="3路公交站牌被撞坏")
    client.force_login(users["agent"])
    data = client.get("/orders/similar/", {"title": "井盖丢了", "content": "幸福路12号门口的井盖没了很危险",
                                            "phone": "13900000009"}).json()
    assert [order["title"] for order in data["orders"]] == ["幸福路12号井盖丢失"]
    # The caller's own orders belong to the repeat-call panel, not here.
    own = client.get("/orders/similar/", {"title": "井盖丢了", "content": "幸福路12号门口的井盖没了很危险",
                                           "phone": "13800000001"}).json()
    assert own["orders"] == []


def test_the_dispatcher_sees_the_catalogue_unit_preselected(client, users, make_order, city):
    CatalogueRule.objects.create(category=city["category"], lead_unit=city["housing"])
    order = make_order()
    client.force_login(users["dispatcher"])
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert "智能分派建议" in page
    # No model yet: the catalogue alone pre-selects (a model alone never would).
    assert '<option value="ZJJ" selected>' in page


def test_department_staff_see_no_routing_help(client, users, make_order):
    from rexian.orders.services.workflow import perform

    order = perform(make_order(), "dispatch", users["dispatcher"], {"unit": "ZJJ"})
    client.force_login(users["housing"])
    assert "智能分派建议" not in client.get(f"/orders/{order.number}/").content.decode()


def test_hot_issues_group_similar_orders_from_different_callers(client, users, make_order):
    for n in range(4):
        make_order(phone=f"1380000100{n}", title="幸福路夜间施工噪音扰民", content=f"幸福路工地夜里施工噪音太大，第{n}次反映")
    make_order(phone="13800002000", title="公交站牌损坏", content="3路公交站牌被撞坏")
    client.force_login(users["supervisor"])
    page = client.get("/routing/hot-issues/", {"days": 7}).content.decode()
    assert "幸福路" in page and "4 件" in page and "4 位来电人" in page
    assert "公交站牌" not in page
    assert client.get("/routing/hot-issues/").status_code == 200
    client.force_login(users["housing"])
    assert client.get("/routing/hot-issues/").status_code == 403
