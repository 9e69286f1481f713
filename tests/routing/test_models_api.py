"""Routing over the API: production accuracy, model management for administrators
(audited like the admin's actions), and the window hot issues were computed over."""

import pytest
from django.utils import timezone

from rexian.core.models import AuditEntry
from rexian.routing import hotissues
from rexian.routing.models import RoutingKindState, RoutingModelVersion, Suggestion
from tests.api.api_helpers import api_as, error


def version(kind="unit", active=False, **fields):
    fields.setdefault("model", b"weights")
    return RoutingModelVersion.objects.create(kind=kind, training_orders=60, labels=3, active=active, **fields)


@pytest.fixture
def versions(db):
    """Unit versions: old (weights cleared), previous, current (active); one category version."""
    return {
        "pruned": version(pruned_at=timezone.now(), model=b"", metrics={"cv_macro_f1": 0.6}),
        "previous": version(metrics={"cv_macro_f1": 0.8, "not_activated": "比当前版本差"}),
        "current": version(active=True, metrics={"cv_macro_f1": 0.9}),
        "category": version(kind="category", active=True),
    }


def test_only_administrators_manage_models(users, versions):
    for role in ("supervisor", "dispatcher"):
        client = api_as(users[role])
        assert error(client.get("/routing/models"))["code"] == "forbidden"
        assert client.post(f"/routing/models/{versions['previous'].pk}/activate").status_code == 403
        assert client.post("/routing/kinds/unit/resume").status_code == 403
    assert RoutingModelVersion.objects.get(kind="unit", active=True) == versions["current"]


def test_the_models_are_listed_per_kind(users, versions):
    RoutingKindState.objects.create(kind="unit", pinned_at=timezone.now(), pinned_by="adam")
    kinds = {k["kind"]: k for k in api_as(users["admin"]).get("/routing/models").json()}
    unit = kinds["unit"]
    assert unit["active"] == versions["current"].pk and unit["pinned"] and unit["pinned_by"] == "adam"
    listed = {v["id"]: v for v in unit["versions"]}
    assert list(listed) == [versions["current"].pk, versions["previous"].pk, versions["pruned"].pk]
    assert listed[versions["pruned"].pk]["pruned"] and not listed[versions["previous"].pk]["pruned"]
    assert listed[versions["previous"].pk]["not_activated"] == "比当前版本差"
    assert listed[versions["current"].pk]["metrics"]["cv_macro_f1"] == 0.9
    assert kinds["category"]["active"] == versions["category"].pk and not kinds["category"]["pinned"]


def test_activating_a_version_rolls_back_pins_and_is_audited(users, versions):
    response = api_as(users["admin"]).post(f"/routing/models/{versions['previous'].pk}/activate")
    assert response.status_code == 200, response.content
    assert response.json()["active"] == versions["previous"].pk and response.json()["pinned_by"] == "adam"
    assert RoutingModelVersion.objects.get(kind="unit", active=True) == versions["previous"]
    assert RoutingKindState.objects.get(kind="unit").pinned_at is not None
    entry = AuditEntry.objects.get(object_type="routing.routingmodelversion")
    assert (entry.actor_name, entry.object_id, entry.via) == ("adam", str(versions["previous"].pk), "api")


def test_a_pruned_version_is_refused_with_a_conflict(users, versions):
    body = error(api_as(users["admin"]).post(f"/routing/models/{versions['pruned'].pk}/activate"))
    assert body["code"] == "pruned" and "REXIAN_ROUTING_KEEP_MODELS" in body["message"]
    assert RoutingModelVersion.objects.get(kind="unit", active=True) == versions["current"]
    assert not AuditEntry.objects.filter(object_type="routing.routingmodelversion").exists()


def test_an_unknown_version_or_kind_is_not_found(users, versions):
    client = api_as(users["admin"])
    assert error(client.post("/routing/models/999999/activate"))["code"] == "not_found"
    assert error(client.post("/routing/kinds/weather/resume"))["code"] == "not_found"


def test_resuming_unpins_the_kind_and_is_audited(users, versions):
    client = api_as(users["admin"])
    client.post(f"/routing/models/{versions['previous'].pk}/activate")
    response = client.post("/routing/kinds/unit/resume")
    assert response.status_code == 200 and not response.json()["pinned"]
    assert RoutingKindState.objects.get(kind="unit").pinned_at is None
    assert AuditEntry.objects.filter(object_type="routing.routingkindstate", via="api").count() == 1
    client.post("/routing/kinds/unit/resume")  # nothing to resume: no second entry
    assert AuditEntry.objects.filter(object_type="routing.routingkindstate").count() == 1


def test_supervisors_get_the_accuracy_per_version(users, versions, make_order):
    Suggestion.objects.create(order=make_order(), kind="unit", model_version=versions["current"],
                              chosen_code="ZJJ", taken=True, preselected=True)
    kinds = {k["kind"]: k for k in api_as(users["supervisor"]).get("/routing/accuracy").json()}
    (row,) = kinds["unit"]["accuracy"]
    assert (row["version"], row["dispatched"], row["taken_rate"], row["taken_when_preselected"]) == (
        versions["current"].pk, 1, 1.0, 1.0)
    assert kinds["unit"]["load_problem"]  # b"weights" is no model: retrain
    assert error(api_as(users["dispatcher"]).get("/routing/accuracy"))["code"] == "forbidden"


def test_hot_issues_report_the_window_used(users, make_order, monkeypatch):
    for n in range(3):
        make_order(phone=f"1380000300{n}", title="幸福路夜间施工噪音扰民", content=f"幸福路工地夜里施工噪音太大，第{n}次")
    client = api_as(users["supervisor"])
    response = client.get("/hot-issues", {"days": 7})
    assert len(response.json()) == 1 and response["X-Hot-Issues-Cut"] == "false"
    since = timezone.datetime.fromisoformat(response["X-Hot-Issues-Since"])
    assert abs((timezone.now() - since) - timezone.timedelta(days=7)) < timezone.timedelta(minutes=1)
    monkeypatch.setattr(hotissues, "MAX_ORDERS", 2)
    cut = client.get("/hot-issues", {"days": 30})
    assert cut["X-Hot-Issues-Cut"] == "true"
    assert timezone.datetime.fromisoformat(cut["X-Hot-Issues-Since"]) > timezone.now() - timezone.timedelta(days=1)
