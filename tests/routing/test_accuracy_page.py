"""Production accuracy per kind and model version, for supervisors and administrators,
and an active model that cannot be loaded is reported instead of skipped silently."""

import logging

import pytest
from django.utils import timezone

from rexian.routing import suggestions
from rexian.routing.accuracy import accuracy_by_version
from rexian.routing.models import RoutingKindState, RoutingModelVersion, Suggestion


def version(kind="unit", active=False, **metrics):
    return RoutingModelVersion.objects.create(kind=kind, training_orders=60, labels=3, metrics=metrics,
                                              model=b"not a model", active=active)


@pytest.fixture
def measured(make_order):
    """Version #old made 2 suggestions (1 dispatched, taken, returned); #new made 4
    (3 dispatched: 2 pre-selected of which 1 taken; the untaken one returned)."""
    old, new = version(cv_macro_f1=0.71), version(active=True, cv_macro_f1=0.83)
    rows = [
        (old, dict(chosen_code="ZJJ", taken=True, returned=True)), (old, {}),
        (new, dict(chosen_code="ZJJ", taken=True, preselected=True)),
        (new, dict(chosen_code="CGJ", taken=False, preselected=True, returned=True)),
        (new, dict(chosen_code="ZJJ", taken=False)), (new, {}),
    ]
    for n, (model_version, values) in enumerate(rows):
        Suggestion.objects.create(order=make_order(phone=f"1380000{n:04d}"), kind="unit", model_version=model_version,
                                  **values)
    return old, new


def test_accuracy_is_counted_per_model_version(measured):
    old, new = measured
    rows = {row.version: row for row in accuracy_by_version("unit")}
    assert (rows[new].made, rows[new].dispatched, rows[new].taken, rows[new].preselected) == (4, 3, 1, 2)
    assert (rows[new].taken_preselected, rows[new].returned_taken, rows[new].returned_not_taken) == (1, 0, 1)
    assert rows[new].taken_when_preselected == 0.5 and rows[new].returned_not_taken_rate == 0.5
    assert (rows[old].made, rows[old].dispatched, rows[old].returned_taken, rows[old].taken_rate) == (2, 1, 1, 1.0)
    assert list(rows) == [new, old]


def test_dispatches_with_nothing_suggested_are_not_counted_as_missed(make_order, city):
    # No model and no catalogue rule: nothing was suggested, so 0 % taken would be a false alarm.
    Suggestion.objects.create(order=make_order(), kind="unit", chosen_code="ZJJ", taken=False)
    Suggestion.objects.create(order=make_order(phone="13800000099"), kind="unit", chosen_code="ZJJ", taken=True,
                              catalogue_code="ZJJ")
    (row,) = accuracy_by_version("unit")
    assert (row.version, row.dispatched, row.unsuggested, row.taken_rate) == (None, 1, 1, 1.0)


def test_a_supervisor_sees_the_page_from_the_menu(client, users, measured):
    old, new = measured
    RoutingKindState.objects.create(kind="unit", pinned_at=timezone.now(), pinned_by="adam")
    old.metrics["not_activated"] = "比当前版本差"
    old.save()
    client.force_login(users["supervisor"])
    assert 'href="/routing/accuracy/"' in client.get("/").content.decode()
    page = client.get("/routing/accuracy/").content.decode()
    assert f"当前使用 #{new.pk}" in page and "已由 adam" in page
    assert "未启用：比当前版本差" in page and "0.830" in page
    assert "33%" in page and "50%" in page  # #new: taken 1 of 3, taken when pre-selected 1 of 2


def test_administrators_see_it_too_and_dispatchers_do_not(client, users):
    client.force_login(users["admin"])
    assert client.get("/routing/accuracy/").status_code == 200
    client.force_login(users["dispatcher"])
    assert client.get("/routing/accuracy/").status_code == 403
    assert 'href="/routing/accuracy/"' not in client.get("/").content.decode()


def test_a_window_counts_only_recent_suggestions(client, users, measured):
    Suggestion.objects.update(created_at=timezone.now() - timezone.timedelta(days=100))
    client.force_login(users["supervisor"])

    def unit_section(**params):
        page = client.get("/routing/accuracy/", params).content.decode()
        return page[page.index('id="kind-unit"'):]

    assert "这段时间还没有记录的建议" in unit_section(days=90)
    assert "这段时间还没有记录的建议" not in unit_section()


def test_an_unloadable_active_model_is_warned_about_once_and_shown(client, users, make_order, caplog):
    broken = version(active=True)
    order = make_order()
    with caplog.at_level(logging.WARNING, logger="rexian.routing.suggestions"):
        assert suggestions.active_model("unit") is None
        assert suggestions.for_order(order, "unit").model_version is None  # the catalogue alone
    warnings = [r for r in caplog.records if "cannot be loaded" in r.getMessage()]
    assert len(warnings) == 1 and f"#{broken.pk}" in warnings[0].getMessage()
    client.force_login(users["supervisor"])
    assert "当前模型无法加载，请重新训练" in client.get("/routing/accuracy/").content.decode()
