from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from rexian.evaluation.monitoring.config import load_config
from rexian.evaluation.monitoring.probes import Probe

OUTCOME_CODES = {
    "A": "answered",
    "B": "busy",
    "N": "no_answer",
    "I": "invalid_number",
    "U": "unavailable",
    "V": "ivr_only",
    "R": "rejected",
}


@pytest.fixture
def config():
    return load_config()


@pytest.fixture
def custom_config(tmp_path):
    """load_config with the given TOML text merged over the default."""

    def load(text: str):
        path = tmp_path / "custom.toml"
        path.write_text(text, encoding="utf-8")
        return load_config(path)

    return load


def make_probes(
    hotline_id: str,
    outcomes: str,
    *,
    province: str = "四川",
    city: str | None = None,
    round: int = 1,
    seconds=10,
    items: list[dict] | None = None,
    start: datetime = datetime(2017, 7, 10, 8, 0),
) -> list[Probe]:
    """One probe per letter of `outcomes` (A answered, B busy, N no answer, ...), an hour apart.

    `seconds` is one value for every answered call or a list, one per answered
    call; `items` likewise a list of {item: True/False} dicts, one per answered call.
    """
    probes, answered = [], 0
    for index, code in enumerate(outcomes):
        outcome = OUTCOME_CODES[code]
        time, extra = None, {}
        if outcome == "answered":
            time = Decimal(str(seconds[answered] if isinstance(seconds, list) else seconds))
            extra = items[answered] if items else {}
            answered += 1
        probes.append(
            Probe(
                hotline_id,
                province,
                city or hotline_id,
                round,
                start + timedelta(hours=index),
                outcome,
                time,
                dict(extra),
            )
        )
    return probes


@pytest.fixture
def probes():
    return make_probes


def rounds_of(hotline_id: str, patterns: list[str], **kwargs) -> list[Probe]:
    """Probes over several rounds: patterns[0] is round 1, and so on, each round a day apart."""
    result = []
    for number, pattern in enumerate(patterns, start=1):
        start = datetime(2017, 7, 10, 8, 0) + timedelta(days=number)
        result += make_probes(hotline_id, pattern, round=number, start=start, **kwargs)
    return result


@pytest.fixture
def probes_in_rounds():
    return rounds_of
