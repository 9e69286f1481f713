"""The dispatch catalogue: overlapping rules, deactivated units, dates and area codes."""

import pytest
from django.core.exceptions import ValidationError
from django.forms import modelform_factory
from django.utils import timezone

from rexian.routing import catalogue
from rexian.routing.models import CatalogueRule

RuleForm = modelform_factory(CatalogueRule, fields="__all__")  # what the admin builds

TODAY = timezone.localdate()
DAY = timezone.timedelta(days=1)


def test_it_falls_back_when_overlapping_keyword_rules_tie(city):
    leaf = city["category"]
    CatalogueRule.objects.create(category=leaf, keywords="电梯", lead_unit=city["housing"])
    CatalogueRule.objects.create(category=leaf, keywords="噪音", lead_unit=city["urban"])
    CatalogueRule.objects.create(category=leaf, lead_unit=city["district"])
    assert catalogue.best(leaf, text="电梯运行噪音大") == city["district"]
    assert catalogue.best(leaf, text="电梯坏了") == city["housing"]
    (conflict,) = catalogue.conflicts()
    assert {rule.lead_unit for rule in conflict.rules} == {city["housing"], city["urban"]}


def test_the_longer_keyword_wins_and_is_no_conflict(city):
    leaf = city["category"]
    CatalogueRule.objects.create(category=leaf, keywords="电梯", lead_unit=city["housing"])
    CatalogueRule.objects.create(category=leaf, keywords="电梯噪音", lead_unit=city["urban"])
    assert catalogue.best(leaf, text="电梯噪音扰民") == city["urban"]
    assert catalogue.best(leaf, text="电梯坏了") == city["housing"]
    assert catalogue.conflicts() == []


def test_it_skips_rules_for_deactivated_units_and_reports_them(city):
    leaf = city["category"]
    CatalogueRule.objects.create(category=leaf, lead_unit=city["housing"])
    CatalogueRule.objects.create(category=leaf.parent, lead_unit=city["urban"])
    city["housing"].active = False
    city["housing"].save()
    assert catalogue.best(leaf) == city["urban"]
    (conflict,) = catalogue.conflicts()
    assert conflict.rules[0].lead_unit == city["housing"] and "已停用" in conflict.reason
    city["urban"].active = False
    city["urban"].save()
    assert leaf in catalogue.gaps()


def test_a_rule_stops_applying_on_its_expiry_day(city):
    leaf = city["category"]
    CatalogueRule.objects.create(category=leaf, lead_unit=city["housing"], expires_on=TODAY)
    assert catalogue.best(leaf) is None and leaf in catalogue.gaps()
    CatalogueRule.objects.create(category=leaf, lead_unit=city["urban"], effective_from=TODAY, expires_on=TODAY + DAY)
    assert catalogue.best(leaf) == city["urban"] and leaf not in catalogue.gaps()


@pytest.mark.parametrize("start, end", [(TODAY + 5 * DAY, TODAY - 5 * DAY), (TODAY, TODAY)])
def test_it_refuses_a_rule_that_would_never_apply(city, start, end):
    rule = CatalogueRule(category=city["category"], lead_unit=city["housing"], effective_from=start, expires_on=end)
    with pytest.raises(ValidationError) as error:
        catalogue.clean_rule(rule)
    assert "失效日期必须晚于生效日期" in str(error.value.message_dict["expires_on"])
    form = RuleForm(data={"category": city["category"].pk, "lead_unit": city["housing"].pk, "source": "duty_list",
                          "effective_from": start, "expires_on": end, "active": True})
    assert not form.is_valid() and "expires_on" in form.errors


def test_the_admins_form_stores_a_padded_code_as_its_prefix(city):
    form = RuleForm(data={"category": city["category"].pk, "lead_unit": city["housing"].pk, "source": "duty_list",
                          "area_code": "430100", "active": True})
    assert form.is_valid(), form.errors
    assert form.save().area_code == "4301"


@pytest.mark.parametrize("code, error", [("4301ab", "数字"), ("⁴³⁰¹", "数字"), ("1234567890123", "数字"), ("000000", "全为 0")])
def test_it_refuses_an_area_code_that_is_not_one(city, code, error):
    rule = CatalogueRule(category=city["category"], lead_unit=city["housing"], area_code=code)
    with pytest.raises(ValidationError) as raised:
        catalogue.clean_rule(rule)
    assert error in str(raised.value.message_dict["area_code"])


@pytest.mark.parametrize("code, prefix", [("430100", "4301"), ("430102000000", "430102"), ("430102010000", "430102010"),
                                          ("430000", "43"), ("99010101", "99010101"), ("430102", "430102")])
def test_it_cuts_padded_area_codes_to_their_prefix(code, prefix):
    assert catalogue.normalise_area_code(code) == prefix


def test_a_city_code_matches_the_orders_of_its_districts(city):
    leaf = city["category"]
    CatalogueRule.objects.create(category=leaf, lead_unit=city["urban"])
    CatalogueRule.objects.create(category=leaf, area_code="430100", lead_unit=city["housing"])  # stored before validation
    CatalogueRule.objects.create(category=leaf, area_code="430102000000", lead_unit=city["district"])
    assert catalogue.best(leaf, area_code="430103001001") == city["housing"]
    assert catalogue.best(leaf, area_code="430102001001") == city["district"]
    assert catalogue.best(leaf, area_code="440300") == city["urban"]
    rule = CatalogueRule(category=leaf, lead_unit=city["housing"], area_code="430100000000")
    catalogue.clean_rule(rule)
    assert rule.area_code == "4301"


def test_the_admins_report_shows_why_a_rule_is_listed(client, users, city):
    CatalogueRule.objects.create(category=city["category"], lead_unit=city["housing"])
    city["housing"].active = False
    city["housing"].save()
    client.force_login(users["admin"])
    page = client.get("/admin/routing/cataloguerule/report/").content.decode()
    assert "冲突与停用单位" in page and "已停用，此规则不再生效" in page
