"""Applying the dispatch catalogue, and finding its conflicts and gaps.

Dates: a rule applies from 生效日期 (inclusive) until 失效日期, the first day it
no longer applies (exclusive). Matching, the conflicts and the gaps all use
`in_force()` here, so the report describes exactly what matching does.
"""

from dataclasses import dataclass, field
from itertools import combinations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from rexian.directory.models import Category
from rexian.routing.models import CatalogueRule

# 行政区划代码 (GB/T 2260 and the statistics office's 12-digit codes): province 2,
# city 2, county 2, township 3, village 3. A level written with zeros after it
# ("430100" = the city 4301, "430102000000" = the district 430102) is cut back to
# the prefix that actually identifies the area, or it would never prefix-match the
# orders' longer codes. Codes of other lengths (a centre's own street codes) are kept.
_CUT = {12: 9, 9: 6, 6: 4, 4: 2}


def normalise_area_code(code: str) -> str:
    """The area-code prefix a rule should match: trailing all-zero levels removed."""
    code = (code or "").strip()
    while len(code) in _CUT and code.isascii() and code.isdigit() and set(code[_CUT[len(code)]:]) == {"0"}:
        code = code[: _CUT[len(code)]]
    return code


def area_code_errors(code: str) -> list[str]:
    if not code:
        return []
    if not (code.isascii() and code.isdigit()) or len(code) > 12:
        return [_("区划代码前缀只能是不超过 12 位的数字（如 4301 或 430102），留空表示全市。")]
    if set(code) == {"0"}:
        return [_("区划代码不能全为 0；留空表示全市。")]
    return []


def date_errors(effective_from, expires_on) -> list[str]:
    if effective_from and expires_on and effective_from >= expires_on:
        return [_("失效日期必须晚于生效日期：失效日期当天起规则不再适用，按现在的日期这条规则永远不会生效。")]
    return []


def clean_rule(rule: CatalogueRule) -> None:
    """Validate and normalise a rule in place (CatalogueRule.clean(), so the admin's form too)."""
    rule.area_code = normalise_area_code(rule.area_code)
    errors = {}
    if problems := area_code_errors(rule.area_code):
        errors["area_code"] = problems
    if problems := date_errors(rule.effective_from, rule.expires_on):
        errors["expires_on"] = problems
    if errors:
        raise ValidationError(errors)


def in_force(today=None, units_active: bool = True):
    """The rules matching uses: in force today, and (unless asked otherwise) with a lead unit still active."""
    rules = CatalogueRule.objects.in_force(today).select_related("lead_unit", "category")
    return rules.filter(lead_unit__active=True) if units_active else rules


@dataclass
class Match:
    rule: CatalogueRule
    specificity: tuple

    @property
    def unit(self):
        return self.rule.lead_unit


def _specificity(rule: CatalogueRule, depths: dict, text: str):
    matched = [word for word in rule.keyword_list if word in text]
    if rule.keyword_list and not matched:
        return None
    # Deepest category, longest area prefix, most keywords, then the longest keywords
    # ("电梯噪音" is more specific than "电梯" in the same text).
    return (depths[rule.category_id], len(normalise_area_code(rule.area_code)), len(matched), sum(map(len, matched)))


def match(category, area_code: str = "", text: str = "", rules=None) -> list[Match]:
    """Rules in force for the order, most specific first (deepest category, longest
    area prefix, most keywords). Rules on a parent category cover its children;
    rules whose lead unit is deactivated are left out (dispatching to it is refused)."""
    if category is None:
        return []
    depths = {node.pk: index + 1 for index, node in enumerate(category.ancestors())}
    candidates = rules if rules is not None else in_force()
    found = []
    for rule in candidates:
        if rule.category_id not in depths or not rule.lead_unit.active:
            continue
        prefix = normalise_area_code(rule.area_code)
        if prefix and not (area_code or "").startswith(prefix):
            continue
        specificity = _specificity(rule, depths, text or "")
        if specificity is not None:
            found.append(Match(rule, specificity))
    found.sort(key=lambda m: (m.specificity, -m.rule.pk), reverse=True)
    return found


def best(category, area_code: str = "", text: str = "", rules=None):
    """The catalogue's unit: the lead unit of best_rule(), or None."""
    rule = best_rule(category, area_code, text, rules)
    return rule.lead_unit if rule else None


def best_rule(category, area_code: str = "", text: str = "", rules=None):
    """The rule that decides: the first of the most specific tier whose rules all name
    one unit. Where equally specific rules name different units, the next, less
    specific tier decides; None where no tier agrees or nothing matches."""
    tiers: dict = {}
    for m in match(category, area_code, text, rules):
        tiers.setdefault(m.specificity, []).append(m)
    for tier in tiers.values():  # most specific first (dicts keep insertion order)
        if len({m.rule.lead_unit_id for m in tier}) == 1:
            return tier[0].rule
    return None


@dataclass
class Conflict:
    category: Category
    area_code: str
    rules: list
    reason: str = field(default="")


def _may_tie(a: CatalogueRule, b: CatalogueRule) -> bool:
    """Whether some order text matches both rules equally specifically."""
    words_a, words_b = set(a.keyword_list), set(b.keyword_list)
    if not words_a or not words_b:
        return not words_a and not words_b
    # Any text holding one keyword of each matches both ("电梯运行噪音大" for 电梯 / 噪音):
    # listed unless one rule's keywords all contain one of the other's, so it always wins.
    dominated = all(any(w in v for w in words_a) for v in words_b) or all(any(w in v for w in words_b) for v in words_a)
    return words_a == words_b or not dominated


def conflicts(rules=None) -> list[Conflict]:
    """Rules in force on the same category and area that an order can match equally
    specifically (same keywords, none, or keywords that can occur in the same text)
    but that name different lead units; and rules whose lead unit is deactivated."""
    rules = list(rules if rules is not None else in_force(units_active=False))
    found = []
    groups: dict = {}
    for rule in rules:
        if not rule.lead_unit.active:
            found.append(Conflict(rule.category, rule.area_code, [rule],
                                  _("主办单位“%(u)s”已停用，此规则不再生效；请改为现在的承办单位。") % {"u": rule.lead_unit}))
            continue
        groups.setdefault((rule.category_id, normalise_area_code(rule.area_code)), []).append(rule)
    for group in groups.values():
        clashing = []
        for a, b in combinations(group, 2):
            if a.lead_unit_id != b.lead_unit_id and _may_tie(a, b):
                clashing += [rule for rule in (a, b) if rule not in clashing]
        if clashing:
            found.append(Conflict(clashing[0].category, clashing[0].area_code, clashing,
                                  _("同一分类和区域的规则可能同时匹配同一工单，却指向不同主办单位。")))
    return found


def gaps() -> list[Category]:
    """Active leaf categories that no rule in force covers (itself or an ancestor, city-wide
    and without keywords, with an active lead unit), so some orders in them cannot be
    routed by the catalogue."""
    covering = set(
        in_force().filter(area_code="", keywords="").values_list("category__path", flat=True)
    )
    leaves = Category.objects.filter(active=True, children__isnull=True).order_by("path")
    return [leaf for leaf in leaves if not any(leaf.path.startswith(path) for path in covering)]
