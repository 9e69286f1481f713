"""Applying the dispatch catalogue, and finding its conflicts and gaps."""

from dataclasses import dataclass

from rexian.directory.models import Category
from rexian.routing.models import CatalogueRule


@dataclass
class Match:
    rule: CatalogueRule
    specificity: tuple

    @property
    def unit(self):
        return self.rule.lead_unit


def _specificity(rule: CatalogueRule, depths: dict, text: str):
    keywords = rule.keyword_list
    hits = sum(1 for word in keywords if word in text)
    if keywords and not hits:
        return None
    return (depths[rule.category_id], len(rule.area_code), hits)


def match(category, area_code: str = "", text: str = "", rules=None) -> list[Match]:
    """Rules in force for the order, most specific first (deepest category, longest
    area prefix, most keywords). Rules on a parent category cover its children."""
    if category is None:
        return []
    depths = {node.pk: index + 1 for index, node in enumerate(category.ancestors())}
    candidates = rules if rules is not None else CatalogueRule.objects.in_force().select_related("lead_unit", "category")
    found = []
    for rule in candidates:
        if rule.category_id not in depths:
            continue
        if rule.area_code and not (area_code or "").startswith(rule.area_code):
            continue
        specificity = _specificity(rule, depths, text or "")
        if specificity is not None:
            found.append(Match(rule, specificity))
    found.sort(key=lambda m: (m.specificity, -m.rule.pk), reverse=True)
    return found


def best(category, area_code: str = "", text: str = ""):
    """The catalogue's unit, or None where the catalogue is silent or contradicts itself."""
    matches = match(category, area_code, text)
    if not matches:
        return None
    top = [m for m in matches if m.specificity == matches[0].specificity]
    units = {m.rule.lead_unit_id for m in top}
    return top[0].rule.lead_unit if len(units) == 1 else None


@dataclass
class Conflict:
    category: Category
    area_code: str
    rules: list


def conflicts(rules=None) -> list[Conflict]:
    """Rules in force with the same category, area and keywords but different lead units."""
    groups: dict = {}
    for rule in rules if rules is not None else CatalogueRule.objects.in_force().select_related("category", "lead_unit"):
        key = (rule.category_id, rule.area_code, tuple(sorted(rule.keyword_list)))
        groups.setdefault(key, []).append(rule)
    return [
        Conflict(group[0].category, group[0].area_code, group)
        for group in groups.values()
        if len({rule.lead_unit_id for rule in group}) > 1
    ]


def gaps() -> list[Category]:
    """Active leaf categories that no rule in force covers (itself or an ancestor, city-wide
    and without keywords), so some orders in them cannot be routed by the catalogue."""
    covering = set(
        CatalogueRule.objects.in_force().filter(area_code="", keywords="").values_list("category__path", flat=True)
    )
    leaves = Category.objects.filter(active=True, children__isnull=True).order_by("path")
    return [leaf for leaf in leaves if not any(leaf.path.startswith(path) for path in covering)]
