"""API fixtures: a bearer token per named user, and shortcuts to call the API as them."""

import pytest

from rexian.accounts.models import ApiToken

from api_helpers import ApiClient


@pytest.fixture
def tokens(users) -> dict[str, str]:
    return {role: ApiToken.issue(user, name="tests")[1] for role, user in users.items()}


@pytest.fixture
def api(tokens):
    """api("dispatcher") → a client authenticated as that fixture user."""
    return lambda role: ApiClient(tokens[role])


@pytest.fixture
def act(api):
    """act("dispatcher", number, "dispatch", unit="ZJJ") → the action's response."""

    def perform(role: str, number: str, action: str, **params):
        return api(role).post(f"/orders/{number}/actions/{action}", params)

    return perform
