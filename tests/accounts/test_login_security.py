"""Passwords, login lock-out (django-axes) and idle sessions."""

import importlib
from datetime import timedelta

import pytest
from axes.conf import settings as axes_settings
from axes.models import AccessAttempt
from django.contrib.auth.hashers import PBKDF2PasswordHasher, check_password
from django.contrib.sessions.models import Session
from django.utils import timezone

from rexian.accounts.models import User
from rexian.core.models import AuditEntry

PASSWORD = "correct-horse-battery"
CONFIGURED = importlib.import_module("rexian.settings")  # the settings as shipped, not as tests adjust them


@pytest.fixture
def production_hashers(settings):
    settings.PASSWORD_HASHERS = CONFIGURED.PASSWORD_HASHERS


def login(client, username, password):
    return client.post("/login/", {"username": username, "password": password})


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_passwords_are_hashed_with_argon2(db, production_hashers):
    assert CONFIGURED.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    user = User.objects.create_user("zoe", password=PASSWORD, role="agent")
    assert user.password.startswith("argon2")
    assert check_password(PASSWORD, user.password)


def test_an_old_pbkdf2_hash_is_upgraded_at_login(db, client, production_hashers):
    user = User.objects.create(username="olga", role="agent",
                               password=PBKDF2PasswordHasher().encode(PASSWORD, "somesalt", iterations=1000))
    assert login(client, "olga", PASSWORD).status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2")


def test_the_lockout_is_switched_on():
    assert axes_settings.AXES_ENABLED is True
    assert (CONFIGURED.AXES_FAILURE_LIMIT, CONFIGURED.AXES_COOLOFF_TIME) == (5, 0.25)


def test_a_correct_login_works_and_is_audited(client, users):
    response = login(client, "hank", PASSWORD)
    assert response.status_code == 302
    assert logged_in(client)
    entry = AuditEntry.objects.get(action="login")
    assert (entry.actor, entry.ip) == (users["housing"], "127.0.0.1")


def test_five_failed_logins_lock_the_account(client, users):
    for _ in range(5):
        response = login(client, "hank", "wrong-password")
        assert not logged_in(client)
    response = login(client, "hank", PASSWORD)
    assert response.status_code == 429
    assert not logged_in(client)
    assert AccessAttempt.objects.filter(username="hank").exists()
    failures = AuditEntry.objects.filter(action="login_failed", actor_name="hank")
    assert failures.count() >= 5
    assert failures.first().ip == "127.0.0.1"


def test_four_failures_then_success_start_the_count_again(client, users):
    for _ in range(4):
        login(client, "hank", "wrong-password")
    assert login(client, "hank", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        login(client, "hank", "wrong-password")
    assert login(client, "hank", PASSWORD).status_code == 302
    assert logged_in(client)


def test_sessions_last_thirty_idle_minutes():
    assert CONFIGURED.SESSION_COOKIE_AGE == 30 * 60
    assert CONFIGURED.SESSION_SAVE_EVERY_REQUEST is True


def _session(client):
    return Session.objects.get(session_key=client.session.session_key)


def test_each_request_pushes_the_session_expiry_forward(client, users):
    assert login(client, "alice", PASSWORD).status_code == 302
    expiry = _session(client).expire_date
    assert abs(expiry - (timezone.now() + timedelta(minutes=30))) < timedelta(seconds=30)
    # Pretend 29 idle minutes have passed: one more request restores the full 30 minutes.
    Session.objects.filter(session_key=client.session.session_key).update(expire_date=timezone.now() + timedelta(minutes=1))
    assert client.get("/orders/notifications/").status_code == 200
    assert _session(client).expire_date > timezone.now() + timedelta(minutes=29)


def test_an_idle_session_expires(client, users):
    login(client, "alice", PASSWORD)
    Session.objects.filter(session_key=client.session.session_key).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/orders/notifications/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
