"""Per-hotline figures from probes: connection, time to human, class, rounds, items.

Everything is counted exactly (ints, Decimal sums, Fractions); cutting for
display happens only in the reports.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from rexian.evaluation.monitoring.config import Config
from rexian.evaluation.monitoring.probes import Probe
from rexian.evaluation.rates import ratio

HOT, WARM, COLD, DEAD = "hot", "warm", "cold", "dead"
LINE_CLASS_LABELS = {HOT: "热线", WARM: "温线", COLD: "冷线", DEAD: "死线"}


@dataclass(frozen=True)
class Tally:
    """How often a checklist item was done, out of the calls where it applied."""

    done: int = 0
    applicable: int = 0

    @property
    def rate(self) -> Fraction | None:
        return ratio(self.done, self.applicable)

    def __add__(self, other: "Tally") -> "Tally":
        return Tally(self.done + other.done, self.applicable + other.applicable)


@dataclass(frozen=True)
class RoundStat:
    round: int
    calls: int
    answered: int

    @property
    def connection_rate(self) -> Fraction | None:
        return ratio(self.answered, self.calls)

    @property
    def full_connection(self) -> bool:
        """Every call of the round connected (a round with no calls is not)."""
        return self.calls > 0 and self.answered == self.calls


@dataclass(frozen=True)
class HotlineMetrics:
    hotline_id: str
    province: str
    city: str
    calls: int
    answered: int
    distinct_times: int
    seconds_total: Decimal
    outcomes: dict[str, int]
    rounds: tuple[RoundStat, ...]
    items: dict[str, Tally]
    line_class: str
    notes: tuple[str, ...]

    @property
    def connection_rate(self) -> Fraction:
        return Fraction(self.answered, self.calls)

    @property
    def mean_seconds_to_human(self) -> Fraction | None:
        """Mean seconds from dialling to a human over answered calls (IVR prompts included)."""
        return ratio(self.seconds_total, self.answered)

    @property
    def dead_line(self) -> bool:
        return self.line_class == DEAD


def classify(answered: int, calls: int, distinct_times: int, config: Config) -> tuple[str, tuple[str, ...]]:
    """The line class and any note a reader needs to trust it.

    A line with no connection is dead only once it was tried at enough distinct
    times (default 10); before that it is cold, and the note says why.
    """
    if answered == 0:
        if distinct_times >= config.dead_min_calls:
            return DEAD, ()
        return COLD, (
            f"尚无接通，但只在 {distinct_times} 个不同时间拨打过（判为死线需至少 {config.dead_min_calls} 个），"
            "暂列冷线",
        )
    rate = Fraction(answered, calls)
    if rate >= config.hot_min_rate:
        return HOT, ()
    if rate >= config.warm_min_rate:
        return WARM, ()
    return COLD, ()


class _Accumulator:
    def __init__(self, probe: Probe, rounds: int, item_keys: Iterable[str]):
        self.hotline_id, self.province, self.city = probe.hotline_id, probe.province, probe.city
        self.times: set[datetime] = set()
        self.outcomes: Counter[str] = Counter()
        self.seconds_total = Decimal(0)
        self.round_calls = [0] * rounds
        self.round_answered = [0] * rounds
        self.done = dict.fromkeys(item_keys, 0)
        self.applicable = dict.fromkeys(item_keys, 0)

    def add(self, probe: Probe) -> None:
        self.times.add(probe.called_at)
        self.outcomes[probe.outcome] += 1
        self.round_calls[probe.round - 1] += 1
        if probe.answered:
            self.round_answered[probe.round - 1] += 1
            self.seconds_total += probe.seconds_to_human
            for key, done in probe.items.items():
                self.applicable[key] += 1
                self.done[key] += done

    def result(self, config: Config) -> HotlineMetrics:
        calls, answered = sum(self.round_calls), sum(self.round_answered)
        line_class, notes = classify(answered, calls, len(self.times), config)
        return HotlineMetrics(
            hotline_id=self.hotline_id,
            province=self.province,
            city=self.city,
            calls=calls,
            answered=answered,
            distinct_times=len(self.times),
            seconds_total=self.seconds_total,
            outcomes=dict(self.outcomes),
            rounds=tuple(
                RoundStat(number, calls_, answered_)
                for number, (calls_, answered_) in enumerate(zip(self.round_calls, self.round_answered), start=1)
            ),
            items={key: Tally(self.done[key], self.applicable[key]) for key in self.done},
            line_class=line_class,
            notes=notes,
        )


def hotline_metrics(probes: Iterable[Probe], config: Config) -> list[HotlineMetrics]:
    """One HotlineMetrics per hotline_id, ordered by hotline_id."""
    accumulators: dict[str, _Accumulator] = {}
    for probe in probes:
        accumulator = accumulators.get(probe.hotline_id)
        if accumulator is None:
            accumulator = accumulators[probe.hotline_id] = _Accumulator(probe, config.rounds, config.item_keys)
        accumulator.add(probe)
    return [accumulators[key].result(config) for key in sorted(accumulators)]


def pooled_items(hotlines: Iterable[HotlineMetrics], item_keys: Iterable[str]) -> dict[str, Tally]:
    """Campaign-wide achievement per item: all hotlines' calls pooled."""
    totals = {key: Tally() for key in item_keys}
    for hotline in hotlines:
        for key in totals:
            totals[key] += hotline.items[key]
    return totals


def pooled_rounds(hotlines: Iterable[HotlineMetrics], rounds: int) -> tuple[RoundStat, ...]:
    """Campaign-wide connection per round: all hotlines' calls pooled."""
    calls, answered = [0] * rounds, [0] * rounds
    for hotline in hotlines:
        for stat in hotline.rounds:
            calls[stat.round - 1] += stat.calls
            answered[stat.round - 1] += stat.answered
    return tuple(RoundStat(number, calls[number - 1], answered[number - 1]) for number in range(1, rounds + 1))
