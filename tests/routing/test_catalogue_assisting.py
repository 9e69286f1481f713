"""The catalogue rule's assisting units and 依据 reach the dispatcher: the routing
panel, the dispatch form's assisting units, and GET /orders/{n}/suggestions."""

import re

from rexian.routing import catalogue
from rexian.routing.models import CatalogueRule
from tests.api.api_helpers import api_as


def rule_with_assisting(city, **extra):
    rule = CatalogueRule.objects.create(
        category=city["category"], lead_unit=city["housing"], source="sanding",
        source_reference="市住建局三定方案第三条第（五）项", **extra,
    )
    rule.assisting_units.set([city["urban"], city["street"]])
    return rule


def selected_options(page: str, field: str) -> list[str]:
    """The selected option values of the dispatch form's select `field`."""
    select = re.search(rf'<select name="{field}"[^>]*id="id_dispatch_{field}".*?</select>', page, re.S).group(0)
    return re.findall(r'<option value="([^"]+)" selected>', select)


def test_best_rule_is_the_rule_behind_best(city):
    general = CatalogueRule.objects.create(category=city["category"], lead_unit=city["urban"])
    specific = rule_with_assisting(city, keywords="电梯")
    assert catalogue.best_rule(city["category"], "", "电梯坏了") == specific
    assert catalogue.best(city["category"], "", "电梯坏了") == city["housing"]
    assert catalogue.best_rule(city["category"], "", "路灯坏了") == general


def test_the_panel_shows_the_assisting_units_and_the_basis(client, users, make_order, city):
    rule_with_assisting(city)
    order = make_order()
    client.force_login(users["dispatcher"])
    page = client.get(f"/orders/{order.number}/").content.decode()
    panel = page[page.index('id="routing"'):]
    assert "市城管局" in panel and "东华街道" in panel
    assert "三定方案" in panel and "市住建局三定方案第三条第（五）项" in panel


def test_the_dispatch_form_starts_with_the_rules_assisting_units(client, users, make_order, city):
    rule_with_assisting(city)
    order = make_order()
    client.force_login(users["dispatcher"])
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert selected_options(page, "unit") == ["ZJJ"]
    assert sorted(selected_options(page, "assisting")) == ["CGJ", "D01-S01"]


def test_a_deactivated_assisting_unit_is_neither_offered_nor_shown(client, users, make_order, city):
    rule_with_assisting(city)
    city["street"].active = False
    city["street"].save()
    order = make_order()
    client.force_login(users["dispatcher"])
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert selected_options(page, "assisting") == ["CGJ"]
    assert "东华街道" not in page[page.index('id="routing"'):]


def test_when_the_catalogue_names_no_unit_nothing_is_prefilled(client, users, make_order, city):
    rule_with_assisting(city)
    # An equally specific rule naming another unit: the catalogue gives no unit at all.
    CatalogueRule.objects.create(category=city["category"], lead_unit=city["district"])
    order = make_order()
    client.force_login(users["dispatcher"])
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert selected_options(page, "unit") == [] and selected_options(page, "assisting") == []


def test_the_suggestions_api_includes_the_catalogue_rule(users, make_order, city):
    rule_with_assisting(city)
    order = make_order()
    data = api_as(users["dispatcher"]).get(f"/orders/{order.number}/suggestions").json()
    rule = data["unit"]["catalogue_rule"]
    assert rule["lead"] == {"code": "ZJJ", "name": "市住建局"}
    assert sorted(unit["code"] for unit in rule["assisting"]) == ["CGJ", "D01-S01"]
    assert (rule["source"], rule["source_label"], rule["source_reference"]) == (
        "sanding", "三定方案", "市住建局三定方案第三条第（五）项")
    assert data["category"]["catalogue_rule"] is None
