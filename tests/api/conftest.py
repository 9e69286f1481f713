"""API fixtures: a bearer token per named user, and shortcuts to call the API as them."""

import pytest

from rexian.accounts.models import ApiToken

from api_helpers import ApiClient


@pytest.fixture(autouse=True)
def api_settings(settings):
    # tests/api/api_urls.py: the site's URLs plus the API, until rexian/urls.py mounts it.
    settings.ROOT_URLCONF = "api_urls"
    # Argon2 costs ~0.3 s per fixture user; these tests never check a password.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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
