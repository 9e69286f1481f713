"""Routing over the JSON API: suggestions for an order and hot issues, for those who dispatch."""

from rexian.accounts.models import ApiToken
from rexian.routing.models import CatalogueRule


def get(client, user, path, **params):
    secret = ApiToken.issue(user)[1]
    return client.get(f"/api/v1{path}", params, HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_a_dispatcher_gets_the_catalogue_unit_and_similar_orders(client, users, make_order, city):
    CatalogueRule.objects.create(category=city["category"], lead_unit=city["housing"])
    other = make_order(phone="13700000001", title="幸福路12号井盖丢失", content="幸福路12号门口井盖丢失很危险")
    order = make_order(phone="13700000002", title="井盖丢了", content="幸福路12号门口的井盖没了，很危险")
    response = get(client, users["dispatcher"], f"/orders/{order.number}/suggestions")
    assert response.status_code == 200
    data = response.json()
    assert data["unit"]["catalogue"] == "ZJJ" and data["unit"]["preselected"] == "ZJJ"
    assert [s["number"] for s in data["similar"]] == [other.number]


def test_department_staff_may_not_ask_for_suggestions(client, users, make_order):
    order = make_order()
    response = get(client, users["housing"], f"/orders/{order.number}/suggestions")
    assert response.status_code == 403 and response.json()["code"] == "forbidden"


def test_hot_issues_list_their_orders(client, users, make_order):
    numbers = {make_order(phone=f"1380000300{n}", title="幸福路夜间施工噪音扰民",
                          content=f"幸福路工地夜里施工噪音太大，第{n}次").number for n in range(3)}
    (issue,) = get(client, users["supervisor"], "/hot-issues", days=7).json()
    assert issue["size"] == 3 and set(issue["orders"]) == numbers
    assert get(client, users["supervisor"], "/hot-issues", days=0).status_code == 422
