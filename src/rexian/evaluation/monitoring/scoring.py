"""Scores (0–100) from metrics and the configuration, exactly, as Fractions.

接通情况 (connection) = weighted mean of the connection-rate points and the
time-to-human points, each read off a configured curve. 服务水平 (service) =
weighted mean of the dimension scores, each the weighted mean of its items'
achievement rates × 100. Overall = weighted mean of connection and service,
where a line with nothing observable (no answered call, or no applicable item)
counts 0 for service but gets no service rank.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from rexian.evaluation.monitoring.config import Config
from rexian.evaluation.monitoring.metrics import HotlineMetrics, Tally

HUNDRED = Fraction(100)


@dataclass(frozen=True)
class Scores:
    rate_points: Fraction
    speed_points: Fraction
    connection: Fraction
    groups: dict[str, Fraction | None]
    service: Fraction | None
    overall: Fraction


def weighted_mean(pairs: Iterable[tuple[Fraction, Fraction | None]]) -> Fraction | None:
    """Σ w·v / Σ w over the pairs whose value is known; None if no weight is left.

    Skipping unknown values spreads their weight over the rest, so a line is
    neither punished nor rewarded for an item that never applied to its calls.
    """
    total = weight_sum = Fraction(0)
    for weight, value in pairs:
        if value is not None:
            total += weight * value
            weight_sum += weight
    return total / weight_sum if weight_sum else None


def group_scores(items: dict[str, Tally], config: Config) -> dict[str, Fraction | None]:
    """Each service dimension's score (achievement × 100), None where nothing applied."""
    points = {key: None if tally.rate is None else tally.rate * HUNDRED for key, tally in items.items()}
    return {
        group.key: weighted_mean((item.weight, points[item.key]) for item in group.items) for group in config.groups
    }


def score(metrics: HotlineMetrics, config: Config) -> Scores:
    rate_points = config.rate_curve(metrics.connection_rate)
    mean_seconds = metrics.mean_seconds_to_human
    speed_points = Fraction(0) if mean_seconds is None else config.speed_curve(mean_seconds)
    connection = weighted_mean(((config.rate_weight, rate_points), (config.speed_weight, speed_points)))
    groups = group_scores(metrics.items, config)
    service = weighted_mean((group.weight, groups[group.key]) for group in config.groups)
    overall = weighted_mean(
        ((config.weight_connection, connection), (config.weight_service, service or Fraction(0)))
    )
    return Scores(rate_points, speed_points, connection, groups, service, overall)
