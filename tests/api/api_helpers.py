"""A JSON client for /api/v1 and a checker for the error shape."""

import json

from django.test import Client

PREFIX = "/api/v1"


class ApiClient:
    """django.test.Client speaking JSON to /api/v1, with a bearer token when given one."""

    def __init__(self, token: str | None = None, **defaults):
        if token is not None:
            defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        self.client = Client(**defaults)

    def get(self, path: str, data=None, **extra):
        return self.client.get(PREFIX + path, data, **extra)

    def post(self, path: str, body=None, **extra):
        raw = body if isinstance(body, (str, bytes)) else json.dumps(body if body is not None else {})
        return self.client.post(PREFIX + path, raw, content_type="application/json", **extra)

    def request(self, method: str, path: str, **extra):
        return getattr(self.client, method.lower())(PREFIX + path, **extra)


def error(response) -> dict:
    """The JSON error body, after checking it has the documented shape."""
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    body = response.json()
    assert set(body) == {"code", "message", "details"}, body
    return body


def api_as(user) -> ApiClient:
    """A client with a fresh bearer token of `user` (for tests outside tests/api, without its fixtures)."""
    from rexian.accounts.models import ApiToken

    return ApiClient(ApiToken.issue(user, name="tests")[1])
