"""NUL characters are refused up front: PostgreSQL text cannot hold them, and a search
or filter containing one used to fail inside the database with a 500."""

import pytest

from tests.api.api_helpers import api_as, error


@pytest.mark.parametrize("path", ["/orders?q=a%00", "/orders?unit=%00", "/knowledge?q=a%00", "/knowledge/search?q=%00"])
def test_the_api_answers_400_in_its_error_shape(users, path):
    response = api_as(users["agent"]).get(path)
    assert response.status_code == 400
    assert error(response)["code"] == "bad_request" and "空字符" in error(response)["message"]


def test_pages_answer_400_and_forms_refuse_it_as_ever(client, users, city):
    from rexian.orders.models import WorkOrder

    client.force_login(users["agent"])
    response = client.get("/orders/", {"q": "电梯\x00"})
    assert response.status_code == 400 and "空字符" in response.content.decode()
    client.post("/orders/intake/", {"phone": "13812345678", "title": "电梯\x00坏了", "content": "坏了"})
    assert not WorkOrder.objects.exists()  # Django's form fields refuse NUL themselves


def test_ordinary_requests_pass(client, users):
    client.force_login(users["agent"])
    assert client.get("/orders/", {"q": "电梯"}).status_code == 200


@pytest.mark.parametrize("tag", ['"1' + "0" * 5000 + '"', '"²"'])
def test_an_if_match_that_is_no_version_is_a_clear_422(users, make_order, tag):
    order = make_order()
    response = api_as(users["dispatcher"]).post(f"/orders/{order.number}/actions/dispatch", {"unit": "ZJJ"},
                                                HTTP_IF_MATCH=tag)
    assert response.status_code == 422 and "If-Match" in error(response)["message"]
