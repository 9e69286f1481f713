"""Suggestions are recorded for every first dispatch, follow the model and the
catalogue until then, never offer deactivated units, and record what was shown."""

import itertools

import pytest
from django.utils import timezone

from rexian.accounts.models import ApiToken
from rexian.orders.choices import AssignmentRole, AssignmentStatus, State
from rexian.orders.models import Assignment, Citizen, WorkOrder
from rexian.orders.services.workflow import perform
from rexian.routing import suggestions
from rexian.routing.accuracy import production_accuracy
from rexian.routing.models import CatalogueRule, Suggestion
from rexian.routing.training import activate_version, train

TOPICS = {
    "ZJJ": ["电梯坏了物业不修", "物业费乱收费", "小区电梯停运", "物业公司不作为", "楼道电梯故障"],
    "CGJ": ["路边摊贩占道经营", "占道堆放杂物", "流动摊贩扰民", "人行道被占用", "违章搭建棚子"],
    "D01": ["街道办不回复", "社区垃圾清运不及时", "街道卫生差", "社区活动室关闭", "街道路灯不亮"],
}
ELEVATOR = {"title": "我家小区电梯又坏了", "content": "电梯停运一周，物业不修。"}


@pytest.fixture
def history(city):
    """60 closed orders, 20 per unit (training input only)."""
    citizen = Citizen.objects.create(name="历史", phone="13700000000")
    units = {"ZJJ": city["housing"], "CGJ": city["urban"], "D01": city["district"]}
    counter = itertools.count(1)
    for code, texts in TOPICS.items():
        for round_ in range(4):
            for text in texts:
                order = WorkOrder.objects.create(
                    number=f"20200101-{next(counter):05d}", order_type="complaint", title=f"{text}{round_}",
                    content=f"市民反映{text}，请处理。", citizen=citizen, contact_phone=citizen.phone,
                    state=State.CLOSED, closed_at=timezone.now(), category=city["category"],
                )
                Assignment.objects.create(order=order, unit=units[code], role=AssignmentRole.LEAD, status=AssignmentStatus.DONE)


def api_get(client, user, path):
    return client.get(f"/api/v1{path}", HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(user)[1]}")


def test_it_records_a_dispatch_nobody_looked_at_first(make_order, users, city):
    CatalogueRule.objects.create(category=city["category"], lead_unit=city["housing"])
    order = make_order()
    perform(order, "dispatch", users["dispatcher"], {"unit": "ZJJ"})  # e.g. an API client, no GET first
    row = Suggestion.objects.get(order=order, kind="unit")
    assert (row.catalogue_code, row.chosen_code, row.taken) == ("ZJJ", "ZJJ", True)
    assert row.preselected is False  # nothing was shown, so nothing was pre-selected
    perform(order, "return", users["housing"], {"reason": "不属于本单位"})
    row.refresh_from_db()
    assert row.returned


def test_it_keeps_the_first_dispatch_when_a_supervisor_looks_after_a_return(client, make_order, users, city):
    order = make_order()
    perform(order, "dispatch", users["dispatcher"], {"unit": "ZJJ"})
    perform(order, "return", users["housing"], {"reason": "不属于本单位"})
    Suggestion.objects.all().delete()  # as for an order dispatched before suggestions were recorded
    assert api_get(client, users["supervisor"], f"/orders/{order.number}/suggestions").status_code == 200
    assert not Suggestion.objects.filter(order=order).exists()  # a look after the fact records nothing
    perform(order, "reassign", users["dispatcher"], {"unit": "CGJ"})
    assert not Suggestion.objects.filter(order=order).exists()  # a reassign is not a first dispatch


def test_it_rolls_the_record_back_with_a_failed_dispatch(make_order, users, city, monkeypatch):
    from rexian.orders.services import workflow

    order = make_order()

    def fail(*args, **kwargs):
        raise RuntimeError("notification failed")

    monkeypatch.setattr(workflow, "_notify_unit", fail)
    with pytest.raises(RuntimeError):
        perform(order, "dispatch", users["dispatcher"], {"unit": "ZJJ"})
    assert not Suggestion.objects.filter(order=order).exists()


def test_it_follows_a_new_model_until_the_first_dispatch(history, make_order, users):
    order = make_order(**ELEVATOR)
    before = suggestions.for_order(order, "unit")
    assert before.candidates == [] and before.model_version is None
    version = train("unit")
    after = suggestions.for_order(order, "unit")
    assert after.pk == before.pk and after.model_version == version and after.candidates[0]["code"] == "ZJJ"
    assert Suggestion.objects.get(pk=before.pk).candidates == after.candidates


def test_it_follows_a_rollback_and_keeps_what_the_first_dispatch_saw(history, make_order, users):
    first = train("unit")
    second = train("unit")
    order = make_order(**ELEVATOR)
    assert suggestions.for_order(order, "unit").model_version == second
    activate_version(first)
    assert suggestions.for_order(order, "unit").model_version == first
    perform(order, "dispatch", users["dispatcher"], {"unit": "ZJJ"})
    activate_version(second)
    order.refresh_from_db()
    shown_now = suggestions.for_order(order, "unit")
    assert shown_now.model_version == second and shown_now.pk is None  # for display only
    assert Suggestion.objects.get(order=order, kind="unit").model_version == first


def test_it_never_suggests_or_preselects_a_deactivated_unit(history, make_order, city, settings):
    settings.REXIAN = {**settings.REXIAN, "ROUTING_PRESELECT_CONFIDENCE": 1}
    train("unit")
    CatalogueRule.objects.create(category=city["category"], lead_unit=city["housing"])
    order = make_order(**ELEVATOR)
    assert suggestions.preselected_unit(suggestions.for_order(order, "unit")) == "ZJJ"
    city["housing"].active = False
    city["housing"].save()
    row = suggestions.for_order(order, "unit")
    assert "ZJJ" not in [c["code"] for c in row.candidates] and len(row.candidates) == 2
    assert row.catalogue_code == "" and suggestions.preselected_unit(row) is None


def test_it_records_the_catalogue_preselection_and_measures_taken_against_it(make_order, users, city):
    CatalogueRule.objects.create(category=city["category"], lead_unit=city["housing"])
    order = make_order()
    row = suggestions.for_order(order, "unit")  # no model: the catalogue alone pre-selects
    assert row.preselected and suggestions.preselected_unit(row) == "ZJJ"
    perform(order, "dispatch", users["dispatcher"], {"unit": "ZJJ"})
    row.refresh_from_db()
    assert row.taken is True
    assert production_accuracy() == {"dispatched": 1, "taken": 1, "returned": 0, "taken_returned": 0,
                                     "preselected": 1, "in_top3": 0}


def test_it_records_no_preselection_when_catalogue_and_model_disagree(history, make_order, users, city, settings):
    settings.REXIAN = {**settings.REXIAN, "ROUTING_PRESELECT_CONFIDENCE": 1}
    train("unit")
    CatalogueRule.objects.create(category=city["category"], lead_unit=city["urban"])
    order = make_order(**ELEVATOR)
    row = suggestions.for_order(order, "unit")
    assert not row.preselected and suggestions.preselected_unit(row) is None
    perform(order, "dispatch", users["dispatcher"], {"unit": "ZJJ"})  # the model's, not the catalogue's
    row.refresh_from_db()
    assert (row.chosen_code, row.taken) == ("ZJJ", False)
    assert production_accuracy()["in_top3"] == 1
