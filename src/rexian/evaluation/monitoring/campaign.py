"""One campaign evaluated end to end: metrics, scores, ranks, lists, provinces."""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from rexian.evaluation.monitoring import lists
from rexian.evaluation.monitoring.config import Config
from rexian.evaluation.monitoring.metrics import (
    DEAD,
    LINE_CLASS_LABELS,
    HotlineMetrics,
    RoundStat,
    Tally,
    hotline_metrics,
    pooled_items,
    pooled_rounds,
)
from rexian.evaluation.monitoring.probes import Probe
from rexian.evaluation.monitoring.scoring import Scores, group_scores, score
from rexian.evaluation.rates import ratio


@dataclass(frozen=True)
class HotlineResult:
    metrics: HotlineMetrics
    scores: Scores
    rank_overall: int
    rank_service: int | None
    previous_rank_overall: int | None
    full_connection: bool

    @property
    def rank_rise(self) -> int | None:
        """Places gained since the previous campaign (negative: lost)."""
        if self.previous_rank_overall is None:
            return None
        return self.previous_rank_overall - self.rank_overall


@dataclass(frozen=True)
class ProvinceResult:
    province: str
    rank: int
    hotlines: int
    calls: int
    answered: int
    line_classes: dict[str, int]
    mean_overall: Fraction

    @property
    def dead_lines(self) -> int:
        return self.line_classes[DEAD]

    @property
    def connection_rate(self) -> Fraction:
        return Fraction(self.answered, self.calls)


@dataclass(frozen=True)
class Evaluation:
    config: Config
    probes_file: str
    previous_file: str | None
    first_call_at: datetime
    last_call_at: datetime
    hotlines: tuple[HotlineResult, ...]  # in overall rank order
    lists: dict[str, tuple[str, ...]]
    provinces: tuple[ProvinceResult, ...]  # in rank order
    items: dict[str, Tally]  # all hotlines pooled
    rounds: tuple[RoundStat, ...]  # all hotlines pooled

    @property
    def calls(self) -> int:
        return sum(result.metrics.calls for result in self.hotlines)

    @property
    def answered(self) -> int:
        return sum(result.metrics.answered for result in self.hotlines)

    @property
    def connection_rate(self) -> Fraction:
        return Fraction(self.answered, self.calls)

    @property
    def line_classes(self) -> dict[str, int]:
        counts = Counter(result.metrics.line_class for result in self.hotlines)
        return {key: counts[key] for key in LINE_CLASS_LABELS}

    @property
    def reachable_hotlines(self) -> int:
        return sum(1 for result in self.hotlines if result.metrics.answered)

    @property
    def mean_seconds_to_human(self) -> Fraction | None:
        """Over all answered calls of the campaign, pooled."""
        return ratio(sum(result.metrics.seconds_total for result in self.hotlines), self.answered)

    def mean_score(self, name: str) -> Fraction | None:
        """Mean over hotlines of one Scores field; lines without that score are left out."""
        values = [getattr(result.scores, name) for result in self.hotlines]
        known = [value for value in values if value is not None]
        return ratio(sum(known), len(known))

    @property
    def group_achievement(self) -> dict[str, Fraction | None]:
        """Campaign-wide score of each service dimension, from the pooled item rates."""
        return group_scores(self.items, self.config)


def evaluate(
    probes: Sequence[Probe],
    config: Config,
    previous: Sequence[Probe] | None = None,
    *,
    probes_file: str = "",
    previous_file: str | None = None,
) -> Evaluation:
    """Evaluate a campaign; `previous` (the same hotlines earlier) feeds 最佳进步榜."""
    if not probes:
        raise ValueError("a campaign needs at least one probe")
    metrics = hotline_metrics(probes, config)
    scores = {line.hotline_id: score(line, config) for line in metrics}
    overall = lists.competition_ranks({key: value.overall for key, value in scores.items()})
    service = lists.competition_ranks(
        {key: value.service for key, value in scores.items() if value.service is not None}
    )
    previous_ranks = _overall_ranks(previous, config) if previous is not None else {}
    results = sorted(
        (
            HotlineResult(
                metrics=line,
                scores=scores[line.hotline_id],
                rank_overall=overall[line.hotline_id],
                rank_service=service.get(line.hotline_id),
                previous_rank_overall=previous_ranks.get(line.hotline_id),
                full_connection=lists.has_full_connection(line.rounds, config),
            )
            for line in metrics
        ),
        key=lambda result: (result.rank_overall, result.metrics.hotline_id),
    )
    return Evaluation(
        config=config,
        probes_file=probes_file,
        previous_file=previous_file,
        first_call_at=min(probe.called_at for probe in probes),
        last_call_at=max(probe.called_at for probe in probes),
        hotlines=tuple(results),
        lists={
            "overall": tuple(lists.top(overall, config.top)),
            "service": tuple(lists.top(service, config.top)),
            "full_connection": tuple(result.metrics.hotline_id for result in results if result.full_connection),
            "most_improved": tuple(lists.most_improved(overall, previous_ranks, config.most_improved_min_rise)),
        },
        provinces=_provinces(results),
        items=pooled_items(metrics, config.item_keys),
        rounds=pooled_rounds(metrics, config.rounds),
    )


def _overall_ranks(probes: Iterable[Probe], config: Config) -> dict[str, int]:
    lines = hotline_metrics(probes, config)
    return lists.competition_ranks({line.hotline_id: score(line, config).overall for line in lines})


def _provinces(results: Sequence[HotlineResult]) -> tuple[ProvinceResult, ...]:
    """Province table: mean overall score of its hotlines, ranked like hotlines."""
    by_province: dict[str, list[HotlineResult]] = {}
    for result in results:
        by_province.setdefault(result.metrics.province, []).append(result)
    means = {
        province: sum(result.scores.overall for result in members) / len(members)
        for province, members in by_province.items()
    }
    ranks = lists.competition_ranks(means)
    provinces = []
    for province in lists.in_rank_order(ranks):
        members = by_province[province]
        counts = Counter(result.metrics.line_class for result in members)
        provinces.append(
            ProvinceResult(
                province=province,
                rank=ranks[province],
                hotlines=len(members),
                calls=sum(result.metrics.calls for result in members),
                answered=sum(result.metrics.answered for result in members),
                line_classes={key: counts[key] for key in LINE_CLASS_LABELS},
                mean_overall=means[province],
            )
        )
    return tuple(provinces)
