"""Monthly department scorecards (考核): weighted indicators and a ranking.

A unit's score is the weighted mean of its indicator scores (rate × 100, or
(1 − rate) × 100 where lower is better). An indicator with no data for a unit
(denominator 0) is left out of that unit's weights rather than counted as 0 or
100. Scores are cut to two decimals; equal scores share a rank (1, 2, 2, 4).
"""

import calendar
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from rexian.directory.models import Department
from rexian.evaluation.rates import cut
from rexian.metrics.definitions import KPI_BY_KEY
from rexian.metrics.kpis import compute
from rexian.metrics.models import ScorecardIndicator


@dataclass
class ScorecardRow:
    unit_code: str
    unit_name: str
    score: object  # Decimal with two decimals, or None when no indicator has data
    indicators: dict
    rank: int | None = None


def month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def score_units(start: date, end: date) -> list[ScorecardRow]:
    indicators = list(ScorecardIndicator.objects.filter(active=True))
    units = Department.objects.in_bulk()
    rows = []
    for kpi_row in compute(start, end, by="unit"):
        unit = units.get(kpi_row.key)
        if unit is None:
            continue
        total, weights, detail = Fraction(0), 0, {}
        for indicator in indicators:
            rate = kpi_row.value(KPI_BY_KEY[indicator.kpi])
            detail[indicator.kpi] = None if rate is None else float(rate)
            if rate is None:
                continue
            points = rate * 100 if indicator.higher_is_better else (1 - rate) * 100
            total += points * indicator.weight
            weights += indicator.weight
        score = cut(total / weights, 2) if weights else None
        rows.append(ScorecardRow(unit.code, unit.name, score, detail))
    _rank(rows)
    return rows


def _rank(rows: list[ScorecardRow]) -> None:
    """Competition ranking by score, best first; units without a score come last, unranked."""
    rows.sort(key=lambda row: (row.score is None, -(row.score or 0), row.unit_code))
    previous, rank = None, 0
    for position, row in enumerate(rows, start=1):
        if row.score is None:
            break
        if row.score != previous:
            rank, previous = position, row.score
        row.rank = rank
