"""Light normalisation of Chinese addresses and place names in free text.

Two complaints are only duplicates if they are about the same place, but
citizens write the same place differently: "长沙市岳麓区麓谷街道" and
"麓谷街道", "６栋" and "6栋". This module does not geocode; it strips the
administrative prefix (province, city, district or county) and folds
full-width characters, which is enough to compare street and estate names.
"""

import re

from rexian.nlp.segment import normalize_text

_NAME = r"[\u4e00-\u9fffa-z0-9]"
# Province or autonomous region, then city, then district or county; each optional.
_ADMINISTRATIVE_PREFIX = re.compile(
    rf"^(?:{_NAME}{{1,7}}?(?:省|自治区))?(?:{_NAME}{{1,7}}?市)?(?:{_NAME}{{1,7}}?(?:区|县))?"
)
# Verbs and prepositions that often run straight into a place name (投诉联丰路...).
_LEADING_WORDS = re.compile(r"^(?:投诉|反映|举报|咨询|请问|关于|位于|地处|靠近|附近|就在|住在|在|对|从|到|往|和|与|及)+")
# Streets, estates, villages...: a place suffix, preceded by up to
# _NAME_LENGTH name characters (found by looking back from each suffix, which
# is much faster than a regex trying every start position).
_PLACE_SUFFIX = re.compile(r"大道|街道|社区|小区|花园|广场|大厦|公寓|新村|新城|路|街|巷|村|镇|乡|苑|园")
_NAME_LENGTH = 8
_NAME_RUN_AT_END = re.compile(rf"{_NAME}+$")
# A suffix alone, or with one character before it, names no particular place;
# nor does one led by a pronoun (我们小区, 这条路).
_TOO_GENERIC = re.compile(r"^(?:.?(?:小区|社区|街道|公园|花园|广场|村|镇|乡|路|街|园)|[我你他她这那该本此各每].*)$")


def normalize_address(address: str) -> str:
    """NFKC-folded, lower-cased address without province/city/district prefix.

    >>> normalize_address("湖南省长沙市岳麓区麓谷街道６栋")
    '麓谷街道6栋'
    """
    compact = normalize_text(address).replace(" ", "")
    stripped = _ADMINISTRATIVE_PREFIX.sub("", compact, count=1)
    return stripped or compact


def place_names(text: str) -> set[str]:
    """Street, estate and village names mentioned in ``text``, normalised.

    >>> sorted(place_names("A市A3区联丰路米兰春天小区门口"))
    ['米兰春天小区', '联丰路']
    """
    compact = normalize_text(text).replace(" ", "")
    names, previous_end = set(), 0
    for suffix in _PLACE_SUFFIX.finditer(compact):
        run = _NAME_RUN_AT_END.search(compact, max(previous_end, suffix.start() - _NAME_LENGTH), suffix.start())
        if run is None:
            continue
        previous_end = suffix.end()
        # "门口的路": keep only what follows the last 的, which is then usually generic.
        candidate = (run.group() + suffix.group()).rsplit("的", 1)[-1]
        name = normalize_address(_LEADING_WORDS.sub("", candidate))
        if not _TOO_GENERIC.match(name):
            names.add(name)
    return names


def jaccard(first_places: set[str], second_places: set[str]) -> float | None:
    """Share of place names in common; None when either side names none."""
    if not first_places or not second_places:
        return None
    return len(first_places & second_places) / len(first_places | second_places)
