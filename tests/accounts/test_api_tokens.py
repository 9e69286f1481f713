"""API tokens: the secret is shown once and only its hash is stored."""

import hashlib

from rexian.accounts.models import ApiToken


def test_it_stores_only_the_hash_of_the_secret(users):
    token, secret = ApiToken.issue(users["dispatcher"], name="工单同步")
    assert secret.startswith(f"rx_{token.prefix}_") and len(secret) > 40
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert stored["key_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    assert not any(secret in str(value) for value in stored.values())
    assert secret[len("rx_") + len(token.prefix) + 1:] not in str(stored)


def test_it_authenticates_the_secret_and_records_its_use(users):
    token, secret = ApiToken.issue(users["dispatcher"])
    found = ApiToken.objects.authenticate(secret)
    assert found == token and found.user == users["dispatcher"]
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_it_refuses_a_wrong_secret(users):
    _token, secret = ApiToken.issue(users["dispatcher"])
    assert ApiToken.objects.authenticate(secret[:-1] + ("A" if secret[-1] != "A" else "B")) is None
    assert ApiToken.objects.authenticate("") is None


def test_it_refuses_a_revoked_token(users):
    token, secret = ApiToken.issue(users["dispatcher"])
    token.revoked_at = token.created_at
    token.save()
    assert ApiToken.objects.authenticate(secret) is None


def test_it_refuses_the_token_of_a_deactivated_user(users):
    _token, secret = ApiToken.issue(users["dispatcher"])
    users["dispatcher"].is_active = False
    users["dispatcher"].save()
    assert ApiToken.objects.authenticate(secret) is None


def test_every_token_is_different(users):
    secrets = {ApiToken.issue(users["agent"])[1] for _ in range(5)}
    assert len(secrets) == 5
