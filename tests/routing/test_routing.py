"""Dispatch catalogue, learned routing on the centre's own orders, and measured suggestions."""

import itertools

import pytest
from django.utils import timezone

from rexian.orders.choices import AssignmentRole, AssignmentStatus, State
from rexian.orders.models import Assignment, Citizen, WorkOrder
from rexian.orders.services.workflow import perform
from rexian.routing import catalogue, suggestions
from rexian.routing.accuracy import production_accuracy
from rexian.routing.models import CatalogueRule, RoutingModelVersion
from rexian.routing.training import NotEnoughData, PrunedVersion, activate_version, train

TOPICS = {
    "ZJJ": ["电梯坏了物业不修", "物业费乱收费", "小区电梯停运", "物业公司不作为", "楼道电梯故障"],
    "CGJ": ["路边摊贩占道经营", "占道堆放杂物", "流动摊贩扰民", "人行道被占用", "违章搭建棚子"],
    "D01": ["街道办不回复", "社区垃圾清运不及时", "街道卫生差", "社区活动室关闭", "街道路灯不亮"],
}


@pytest.fixture
def history(city):
    """60 closed orders, 20 per unit, as the centre's own past (made directly: training input only)."""
    citizen = Citizen.objects.create(name="历史", phone="13700000000")
    units = {code: unit for code, unit in [("ZJJ", city["housing"]), ("CGJ", city["urban"]), ("D01", city["district"])]}
    now = timezone.now()
    counter = itertools.count(1)
    for code, texts in TOPICS.items():
        for round_ in range(4):
            for text in texts:
                n = next(counter)
                order = WorkOrder.objects.create(
                    number=f"20200101-{n:05d}", order_type="complaint", title=f"{text}{round_}", content=f"市民反映{text}，请处理。",
                    citizen=citizen, contact_phone=citizen.phone, state=State.CLOSED, closed_at=now, category=city["category"],
                )
                Assignment.objects.create(order=order, unit=units[code], role=AssignmentRole.LEAD, status=AssignmentStatus.DONE)


def test_training_needs_enough_closed_orders(db):
    with pytest.raises(NotEnoughData):
        train("unit")


def test_a_trained_model_is_versioned_and_can_be_rolled_back(history):
    first = train("unit")
    second = train("unit")
    assert RoutingModelVersion.objects.get(active=True) == second
    assert first.metrics["cv_macro_f1"] > 0.5 and first.training_orders == 60
    activate_version(first)
    assert RoutingModelVersion.objects.get(kind="unit", active=True) == first


def test_only_the_newest_versions_keep_their_weights_and_the_active_one_always(history, settings):
    settings.REXIAN = {**settings.REXIAN, "ROUTING_KEEP_MODELS": 2}
    first = train("unit")
    second = train("unit", activate=False)
    assert not RoutingModelVersion.objects.filter(pruned_at__isnull=False).exists()
    third = train("unit", activate=False)  # first is active: it keeps its weights though older than two
    fourth = train("unit", activate=False)
    versions = {version.pk: version for version in RoutingModelVersion.objects.all()}
    assert [pk for pk, version in versions.items() if version.pruned_at] == [second.pk]
    assert bytes(versions[second.pk].model) == b"" and versions[second.pk].metrics == second.metrics
    assert all(len(versions[version.pk].model) > 0 for version in (first, third, fourth))
    with pytest.raises(PrunedVersion, match="REXIAN_ROUTING_KEEP_MODELS"):
        activate_version(versions[second.pk])
    assert RoutingModelVersion.objects.get(kind="unit", active=True) == first
    activate_version(fourth)
    train("unit", activate=False)  # now first is neither active nor among the newest two
    assert RoutingModelVersion.objects.get(pk=first.pk).pruned_at is not None


def test_a_version_read_before_its_weights_were_cleared_is_not_activated(history):
    old = train("unit")
    newer = train("unit")
    RoutingModelVersion.objects.filter(pk=old.pk).update(model=b"", pruned_at=timezone.now())  # meanwhile, elsewhere
    with pytest.raises(PrunedVersion):
        activate_version(old)  # `old` still says pruned_at=None
    assert RoutingModelVersion.objects.get(kind="unit", active=True) == newer  # the failed switch changed nothing


def test_suggestions_rank_the_right_unit_and_record_the_outcome(history, make_order, users, city):
    train("unit")
    CatalogueRule.objects.create(category=city["category"].parent, lead_unit=city["housing"], source="duty_list")
    order = make_order(title="我家小区电梯又坏了", content="电梯停运一周，物业不修。")
    suggestion = suggestions.for_order(order, "unit")
    codes = [c["code"] for c in suggestion.candidates]
    assert codes[0] == "ZJJ" and len(codes) == 3
    # Each probability is rounded to four decimals, so three of them may add up to 1.0001.
    assert sum(c["probability"] for c in suggestion.candidates) <= 1.0 + 3 * 0.00005
    assert suggestion.catalogue_code == "ZJJ"
    assert suggestions.for_order(order, "unit").pk == suggestion.pk  # computed once, then kept
    perform(order, "dispatch", users["dispatcher"], {"unit": "ZJJ"})
    perform(order, "return", users["housing"], {"reason": "不属于本单位"})
    suggestion.refresh_from_db()
    assert (suggestion.chosen_code, suggestion.taken, suggestion.returned) == ("ZJJ", True, True)
    assert production_accuracy() == {"dispatched": 1, "taken": 1, "returned": 1, "taken_returned": 1,
                                     "preselected": int(suggestion.preselected), "in_top3": 1}


def test_a_unit_is_preselected_only_when_catalogue_and_a_confident_model_agree(history, make_order, city, settings):
    train("unit")
    settings.REXIAN = {**settings.REXIAN, "ROUTING_PRESELECT_CONFIDENCE": 1}
    CatalogueRule.objects.create(category=city["category"], lead_unit=city["urban"])  # the catalogue says 城管
    order = make_order(title="小区电梯停运", content="电梯坏了物业不修")  # the model says 住建
    suggestion = suggestions.for_order(order, "unit")
    assert suggestion.candidates[0]["code"] == "ZJJ" and suggestion.catalogue_code == "CGJ"
    assert not suggestion.preselected and suggestions.preselected_unit(suggestion) is None


def test_the_catalogue_prefers_the_most_specific_rule(city):
    root, leaf = city["category"].parent.parent, city["category"]
    CatalogueRule.objects.create(category=root, lead_unit=city["urban"])
    CatalogueRule.objects.create(category=leaf, lead_unit=city["housing"])
    CatalogueRule.objects.create(category=leaf, area_code="110101", lead_unit=city["district"])
    CatalogueRule.objects.create(category=leaf, keywords="电梯,加装", lead_unit=city["property_office"])
    assert catalogue.best(leaf) == city["housing"]
    assert catalogue.best(leaf, area_code="110101001") == city["district"]
    assert catalogue.best(leaf, text="老旧小区加装电梯") == city["property_office"]
    assert catalogue.best(None) is None


def test_conflicts_and_gaps_are_reported(city):
    leaf = city["category"]
    assert leaf in catalogue.gaps()
    CatalogueRule.objects.create(category=leaf, lead_unit=city["housing"])
    CatalogueRule.objects.create(category=leaf, lead_unit=city["urban"])
    assert leaf not in catalogue.gaps()
    (conflict,) = catalogue.conflicts()
    assert {rule.lead_unit for rule in conflict.rules} == {city["housing"], city["urban"]}
    assert catalogue.best(leaf) is None  # a contradiction is never applied


def test_an_expired_rule_is_not_applied(city):
    yesterday = timezone.localdate() - timezone.timedelta(days=1)
    CatalogueRule.objects.create(category=city["category"], lead_unit=city["housing"], expires_on=yesterday)
    assert catalogue.best(city["category"]) is None


def test_unmerge_returns_a_merged_order_to_dispatch_and_both_timelines_say_why(make_order, users):
    master, duplicate = make_order(), make_order(phone="13700001111")
    duplicate = perform(duplicate, "merge", users["dispatcher"], {"master": master.number})
    duplicate = perform(duplicate, "unmerge", users["dispatcher"], {"note": "不是同一问题"})
    assert duplicate.state == State.REGISTERED and duplicate.master is None
    assert duplicate.events.last().action == "unmerge"
    assert master.events.filter(action="unmerge_out", note="不是同一问题").exists()


def test_the_routing_commands_train_list_and_roll_back(history, capsys):
    from rexian.cli import main

    assert main(["routing", "train", "--kind", "unit"]) == 0
    assert "已启用" in capsys.readouterr().out
    assert main(["routing", "train", "--kind", "unit"]) == 0
    first = RoutingModelVersion.objects.order_by("created_at").first()
    assert main(["routing", "rollback", str(first.pk)]) == 0
    assert RoutingModelVersion.objects.get(kind="unit", active=True) == first
    assert main(["routing", "models"]) == 0
    assert f"* #{first.pk}" in capsys.readouterr().out
    assert main(["routing", "rollback", "999999"]) == 2
    RoutingModelVersion.objects.filter(pk=first.pk).update(active=False, model=b"", pruned_at=timezone.now())
    assert main(["routing", "models"]) == 0
    assert "权重已清除" in capsys.readouterr().out
    assert main(["routing", "rollback", str(first.pk)]) == 2
    assert "REXIAN_ROUTING_KEEP_MODELS" in capsys.readouterr().err
