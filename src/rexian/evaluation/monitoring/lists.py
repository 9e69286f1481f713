"""Ranking and the published lists (榜单).

Ranks are standard competition ranks ("1224"): equal scores share a rank and
the next rank skips, so rank = 1 + the number of lines strictly better.
Scores are exact Fractions, so "equal" means equal, not "equal after rounding".
Among equal ranks, lines are listed by hotline_id; that order carries no merit.
"""

from collections.abc import Mapping, Sequence
from fractions import Fraction

from rexian.evaluation.monitoring.config import Config
from rexian.evaluation.monitoring.metrics import RoundStat


def competition_ranks(scores: Mapping[str, Fraction]) -> dict[str, int]:
    """Rank per key, highest score first: {a: 90, b: 80, c: 80, d: 70} → 1, 2, 2, 4."""
    ranks: dict[str, int] = {}
    previous = None
    for position, key in enumerate(sorted(scores, key=lambda key: (-scores[key], key)), start=1):
        if scores[key] != previous:
            rank, previous = position, scores[key]
        ranks[key] = rank
    return ranks


def in_rank_order(ranks: Mapping[str, int]) -> list[str]:
    return sorted(ranks, key=lambda key: (ranks[key], key))


def top(ranks: Mapping[str, int], limit: int) -> list[str]:
    """Every key ranked `limit` or better (ties at the edge all get in); limit 0 means all."""
    return [key for key in in_rank_order(ranks) if not limit or ranks[key] <= limit]


def has_full_connection(rounds: Sequence[RoundStat], config: Config) -> bool:
    """100 % connected in enough rounds (consecutive ones, if so configured) for 百分百接通榜."""
    needed = config.full_connection_min_rounds
    flags = [stat.full_connection for stat in sorted(rounds, key=lambda stat: stat.round)]
    if not config.full_connection_consecutive:
        return sum(flags) >= needed
    longest = run = 0
    for full in flags:
        run = run + 1 if full else 0
        longest = max(longest, run)
    return longest >= needed


def most_improved(current: Mapping[str, int], previous: Mapping[str, int], min_rise: int) -> list[str]:
    """Lines whose overall rank rose by at least `min_rise`, biggest rise first, then by rank."""
    rises = {key: previous[key] - rank for key, rank in current.items() if key in previous}
    chosen = [key for key, rise in rises.items() if rise >= min_rise]
    return sorted(chosen, key=lambda key: (-rises[key], current[key], key))
