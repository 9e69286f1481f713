"""Fixtures for the web UI tests: logged-in clients and an order at each stage."""

import pytest

from rexian.orders.services import workflow


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Argon2 makes the nine-user fixture cost seconds per test; these tests are not about hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def login(client, users):
    """login("dispatcher") → the test client, logged in as that role's named user."""

    def as_role(role):
        client.force_login(users[role])
        return client

    return as_role


@pytest.fixture
def act(users):
    """act(order, "dispatch", "dispatcher", unit="ZJJ") runs a workflow action through the service."""

    def run(order, name, role, **data):
        return workflow.perform(order, name, users[role], data)

    return run


@pytest.fixture
def dispatched(make_order, act):
    """A complaint dispatched to 市住建局 (hank's unit), not yet accepted."""
    return act(make_order(), "dispatch", "dispatcher", unit="ZJJ")
