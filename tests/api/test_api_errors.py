"""Every failure answers in the documented JSON shape: no HTML pages, no tracebacks."""

from api_helpers import ApiClient, error


def test_malformed_json_is_422_with_a_clear_message(api, city):
    response = api("agent").post("/orders", '{"phone": "138",')
    assert response.status_code == 422
    body = error(response)
    assert body["code"] == "invalid_input"
    assert "JSON" in body["message"]
    assert body["details"]["errors"]["__all__"]


def test_a_lone_surrogate_is_refused_as_bad_json(api, city):
    body = '{"phone": "13812345678", "order_type": "consult", "title": "\\ud800", "content": "c"}'
    response = api("agent").post("/orders", body)
    assert response.status_code == 422
    assert "JSON" in error(response)["message"]


def test_an_escaped_emoji_is_fine(api, city):
    body = '{"phone": "13812345678", "order_type": "consult", "title": "\\ud83d\\ude00", "content": "c"}'
    response = api("agent").post("/orders", body)
    assert response.status_code == 201
    assert response.json()["title"] == "\U0001f600"


def test_absurdly_nested_json_is_422(api, city):
    response = api("agent").post("/orders", "[" * 100_000 + "]" * 100_000)
    assert response.status_code == 422


def test_a_body_that_is_not_an_object_is_422(api, city):
    response = api("agent").post("/orders", '"just a string"')
    assert response.status_code == 422
    assert error(response)["details"]["errors"] == {"__all__": ["应为 JSON 对象。"]}


def test_wrong_types_are_422_with_field_errors(api, city):
    response = api("agent").post(
        "/orders", {"phone": 13812345678, "title": ["x"], "latitude": "north", "confidential": "maybe"}
    )
    assert response.status_code == 422
    errors = error(response)["details"]["errors"]
    assert errors == {
        "phone": ["应为字符串。"],
        "title": ["应为字符串。"],
        "latitude": ["应为数字。"],
        "confidential": ["应为布尔值 true 或 false。"],
    }


def test_unknown_fields_are_refused(api, city):
    response = api("agent").post("/orders", {"phone": "13812345678", "citizen_name": "x"})
    assert error(response)["details"]["errors"]["citizen_name"] == ["不支持的字段。"]


def test_oversized_fields_are_422(api, city):
    response = api("agent").post(
        "/orders",
        {"phone": "13812345678", "order_type": "consult", "title": "标" * 201, "content": "内" * 10001},
    )
    assert response.status_code == 422
    assert set(error(response)["details"]["errors"]) == {"title", "content"}


def test_an_oversized_body_is_413(api, city):
    response = api("agent").post("/orders", '{"content": "' + "x" * 3_000_000 + '"}')
    assert response.status_code == 413
    assert error(response)["code"] == "payload_too_large"


def test_a_flood_of_query_parameters_is_400(api, city):
    response = api("dispatcher").get("/orders?" + "&".join(f"q{i}=1" for i in range(1100)))
    assert response.status_code == 400
    assert error(response)["code"] == "bad_request"


def test_bad_query_parameters_are_422(api, city):
    client = api("dispatcher")
    response = client.get("/orders", {"state": "registered,lost", "limit": 500, "overdue": "perhaps"})
    assert response.status_code == 422
    assert set(error(response)["details"]["errors"]) == {"state", "limit", "overdue"}
    for cursor in ("!!", "MS4yLjM", "MTcwMDAwMDAwMDAwMDAwMC45OTk5OTk5OTk5OTk5OTk5OTk5OTk5OQ"):
        assert error(client.get("/orders", {"cursor": cursor}))["details"]["errors"].keys() == {"cursor"}
    assert error(client.get("/orders", {"category": "99"}))["details"]["errors"].keys() == {"category"}
    assert error(client.get("/orders", {"created_after": "last tuesday"}))["details"]["errors"].keys() == {
        "created_after"
    }


def test_an_unknown_path_is_json_404(api, city):
    for path in ("/nothing-here", "/orders/x/y/z", "/docs", "/"):
        response = api("agent").get(path)
        assert response.status_code == 404, path
        assert error(response)["code"] == "not_found"


def test_an_unknown_path_is_404_even_unauthenticated_and_for_posts(db):
    response = ApiClient().post("/nothing-here", {})
    assert response.status_code == 404
    assert error(response)["code"] == "not_found"


def test_a_wrong_method_is_json_405(api, city):
    response = api("agent").request("DELETE", "/orders")
    assert response.status_code == 405
    body = error(response)
    assert body["code"] == "method_not_allowed"
    assert body["details"]["allowed"] == ["GET", "POST"]
    assert response["Allow"] == "GET, POST"


def test_an_unexpected_error_is_json_500_without_a_traceback(api, city, monkeypatch):
    from rexian.orders.services import intake

    def explode(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(intake, "register", explode)
    response = api("agent").post("/orders", {"phone": "13812345678"})
    assert response.status_code == 500
    body = error(response)
    assert body["code"] == "server_error"
    assert "secret internals" not in response.content.decode()


def test_the_openapi_document_lists_the_endpoints(db):
    response = ApiClient().get("/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert set(document["paths"]) >= {
        "/api/v1/me",
        "/api/v1/orders",
        "/api/v1/orders/{number}",
        "/api/v1/orders/{number}/actions/{action}",
        "/api/v1/departments",
        "/api/v1/categories",
    }
    assert set(document["paths"]["/api/v1/orders"]) == {"get", "post"}
    action_body = document["paths"]["/api/v1/orders/{number}/actions/{action}"]["post"]["requestBody"]
    variants = action_body["content"]["application/json"]["schema"]["oneOf"]
    assert "Action_dispatch" in {variant["title"] for variant in variants}
    assert {"BearerToken", "SessionCookie"} <= set(document["components"]["securitySchemes"])


def test_field_errors_map_locations_to_form_field_names():
    from rexian.api.errors import field_errors

    ninja_errors = [
        {"loc": ("body", "payload", "phone"), "type": "string_type", "msg": "…"},
        {"loc": ("body", "payload", "assisting", 0), "type": "string_type", "msg": "…"},
        {"loc": ("body", "payload"), "type": "missing", "msg": "…"},
        {"loc": ("query", "filters", "state", 1), "type": "enum", "msg": "…", "ctx": {"expected": "'a' or 'b'"}},
        {"loc": ("query", "payload"), "type": "missing", "msg": "…"},
    ]
    assert field_errors(ninja_errors) == {
        "phone": ["应为字符串。"],
        "assisting": ["应为字符串。"],
        "__all__": ["必填。"],
        "state": ["应为以下之一：'a' or 'b'。"],
        "payload": ["必填。"],
    }
    # A plain pydantic error about a field that happens to be called "body".
    assert field_errors([{"loc": ("body",), "type": "string_type", "msg": "…"}], source="body") == {
        "body": ["应为字符串。"]
    }
