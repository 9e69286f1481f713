"""Who may call the API: bearer tokens, and the web UI's session with CSRF."""

from django.test import Client
from django.utils import timezone
from django.utils.crypto import get_random_string

from rexian.accounts.models import ApiToken

from api_helpers import ApiClient, error


def test_it_rejects_a_request_without_credentials(db):
    response = ApiClient().get("/me")
    assert response.status_code == 401
    assert error(response)["code"] == "unauthorized"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_it_rejects_a_wrong_token(users):
    response = ApiClient("rx_nope_nope").get("/me")
    assert response.status_code == 401
    assert error(response)["code"] == "unauthorized"


def test_it_rejects_another_scheme(users, tokens):
    response = ApiClient(HTTP_AUTHORIZATION=f"Token {tokens['agent']}").get("/me")
    assert response.status_code == 401


def test_it_rejects_a_revoked_token(users):
    token, secret = ApiToken.issue(users["agent"])
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    assert ApiClient(secret).get("/me").status_code == 401


def test_it_rejects_the_token_of_an_inactive_user(users, tokens):
    users["agent"].is_active = False
    users["agent"].save()
    assert ApiClient(tokens["agent"]).get("/me").status_code == 401


def test_a_token_revoked_or_its_user_deactivated_here_stops_working_at_once(users):
    token, secret = ApiToken.issue(users["agent"])
    assert ApiClient(secret).get("/me").status_code == 200  # now remembered by this process
    token.revoked_at = timezone.now()
    token.save()
    assert ApiClient(secret).get("/me").status_code == 401
    _token, secret = ApiToken.issue(users["dispatcher"])
    assert ApiClient(secret).get("/me").status_code == 200
    users["dispatcher"].is_active = False
    users["dispatcher"].save()
    assert ApiClient(secret).get("/me").status_code == 401


def test_a_remembered_token_is_asked_again_after_its_seconds(users, monkeypatch):
    """Another process's revocation sends no signal here: the token's age bounds it."""
    from rexian.accounts.models import verified_tokens
    from rexian.core import snapshot

    now = [1000.0]
    monkeypatch.setattr(snapshot.time, "monotonic", lambda: now[0])
    token, secret = ApiToken.issue(users["agent"])
    assert ApiClient(secret).get("/me").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())  # as another process would
    assert ApiClient(secret).get("/me").status_code == 200
    now[0] += verified_tokens.seconds + 1
    assert ApiClient(secret).get("/me").status_code == 401


def test_each_request_gets_its_own_copy_of_a_remembered_token(users):
    token, secret = ApiToken.issue(users["agent"])
    first = ApiToken.objects.authenticate(secret)
    first.user.role = "admin"  # a careless view must not change the next request's user
    second = ApiToken.objects.authenticate(secret)
    assert second.user.role == "agent"
    assert second.user is not first.user


def test_it_accepts_a_token_and_records_its_use(users):
    token, secret = ApiToken.issue(users["agent"])
    response = ApiClient(secret).get("/me")
    assert response.status_code == 200
    assert response.json()["username"] == "alice"
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_it_rejects_unauthenticated_writes_with_401_not_403(db):
    response = ApiClient().post("/orders", {"title": "x"})
    assert response.status_code == 401


def test_it_accepts_the_web_session_for_reads(users):
    client = Client()
    client.force_login(users["dispatcher"])
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["role"]["code"] == "dispatcher"


def test_it_requires_csrf_for_session_writes(users):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["agent"])
    response = client.post("/api/v1/orders", {}, content_type="application/json")
    assert response.status_code == 403
    assert error(response)["code"] == "csrf_failed"


def test_it_accepts_session_writes_with_the_csrf_token(users, city):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["agent"])
    secret = get_random_string(32)
    client.cookies["csrftoken"] = secret
    body = {"phone": "13900001111", "order_type": "consult", "title": "问公积金", "content": "如何提取"}
    response = client.post("/api/v1/orders", body, content_type="application/json", HTTP_X_CSRFTOKEN=secret)
    assert response.status_code == 201, response.content


def test_a_bad_token_does_not_fall_back_to_the_session(users):
    client = Client(HTTP_AUTHORIZATION="Bearer rx_wrong")
    client.force_login(users["dispatcher"])
    assert client.get("/api/v1/me").status_code == 401
