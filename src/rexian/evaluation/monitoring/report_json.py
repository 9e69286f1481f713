"""report.json: the evaluation for machines.

Rates are fractions cut to 4 decimals (0.9512 never stands for 0.95119…+ε
rounded up), scores are cut to 2 decimals, times are rounded *up* to 2
decimals: no figure claims a threshold the line did not meet. Ranks are
computed on exact scores before any cutting.
"""

import json
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from rexian.evaluation.monitoring import tables
from rexian.evaluation.monitoring.campaign import Evaluation, HotlineResult, ProvinceResult
from rexian.evaluation.monitoring.metrics import LINE_CLASS_LABELS, RoundStat, Tally
from rexian.evaluation.monitoring.probes import OUTCOME_LABELS
from rexian.evaluation.rates import cut

FORMAT_VERSION = 1
RANKING_RULE = "competition"  # "1224": equal exact scores share a rank, ties listed by hotline_id


def rate(value: Fraction | None) -> float | None:
    return None if value is None else float(cut(value, 4))


def points(value: Fraction | None) -> float | None:
    return _float(tables.points(value))


def seconds(value: Fraction | None) -> float | None:
    return _float(tables.seconds(value))


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def to_dict(evaluation: Evaluation) -> dict:
    config = evaluation.config
    return {
        "format_version": FORMAT_VERSION,
        "campaign": {
            "probes_file": evaluation.probes_file,
            "previous_file": evaluation.previous_file,
            "config_file": config.source,
            "generated_at": datetime.now().astimezone().isoformat(timespec="seconds"),
            "first_call_at": evaluation.first_call_at.isoformat(),
            "last_call_at": evaluation.last_call_at.isoformat(),
            "rounds": config.rounds,
            "hotlines": len(evaluation.hotlines),
            "calls": evaluation.calls,
            "ranking_rule": RANKING_RULE,
            "config": _plain(config.settings),
        },
        "summary": _summary(evaluation),
        "rounds": [_round(stat) for stat in evaluation.rounds],
        "groups": [
            {
                "key": group.key,
                "label": group.label,
                "weight": float(group.weight),
                "score": points(evaluation.group_achievement[group.key]),
                "items": [item.key for item in group.items],
            }
            for group in config.groups
        ],
        "items": [
            {"key": item.key, "label": item.label, "group": group.key, **_tally(evaluation.items[item.key])}
            for group in config.groups
            for item in group.items
        ],
        "hotlines": [_hotline(result) for result in evaluation.hotlines],
        "lists": {name: list(ids) for name, ids in evaluation.lists.items()},
        "provinces": [_province(province) for province in evaluation.provinces],
    }


def write_json(evaluation: Evaluation, path: Path) -> None:
    path.write_text(json.dumps(to_dict(evaluation), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _summary(evaluation: Evaluation) -> dict:
    return {
        "hotlines": len(evaluation.hotlines),
        "calls": evaluation.calls,
        "answered": evaluation.answered,
        "connection_rate": rate(evaluation.connection_rate),
        "reachable_hotlines": evaluation.reachable_hotlines,
        "line_classes": evaluation.line_classes,
        "dead_lines": evaluation.line_classes["dead"],
        "mean_seconds_to_human": seconds(evaluation.mean_seconds_to_human),
        "mean_scores": {
            name: points(evaluation.mean_score(name))
            for name in ("overall", "connection", "rate_points", "speed_points", "service")
        },
        "full_connection_hotlines": len(evaluation.lists["full_connection"]),
        "most_improved_hotlines": len(evaluation.lists["most_improved"]),
    }


def _round(stat: RoundStat) -> dict:
    return {
        "round": stat.round,
        "calls": stat.calls,
        "answered": stat.answered,
        "connection_rate": rate(stat.connection_rate),
        "full_connection": stat.full_connection,
    }


def _tally(tally: Tally) -> dict:
    return {"done": tally.done, "applicable": tally.applicable, "rate": rate(tally.rate)}


def _hotline(result: HotlineResult) -> dict:
    line, scores = result.metrics, result.scores
    return {
        "hotline_id": line.hotline_id,
        "province": line.province,
        "city": line.city,
        "calls": line.calls,
        "answered": line.answered,
        "distinct_call_times": line.distinct_times,
        "connection_rate": rate(line.connection_rate),
        "mean_seconds_to_human": seconds(line.mean_seconds_to_human),
        "line_class": line.line_class,
        "line_class_label": LINE_CLASS_LABELS[line.line_class],
        "dead_line": line.dead_line,
        "notes": list(line.notes),
        "outcomes": {key: line.outcomes.get(key, 0) for key in OUTCOME_LABELS},
        "rounds": [_round(stat) for stat in line.rounds],
        "full_connection": result.full_connection,
        "items": {key: _tally(tally) for key, tally in line.items.items()},
        "scores": {
            "connection": points(scores.connection),
            "service": points(scores.service),
            "overall": points(scores.overall),
            "rate_points": points(scores.rate_points),
            "speed_points": points(scores.speed_points),
            "groups": {key: points(value) for key, value in scores.groups.items()},
        },
        "rank_overall": result.rank_overall,
        "rank_service": result.rank_service,
        "previous_rank_overall": result.previous_rank_overall,
        "rank_rise": result.rank_rise,
    }


def _province(province: ProvinceResult) -> dict:
    return {
        "province": province.province,
        "rank": province.rank,
        "hotlines": province.hotlines,
        "mean_overall_score": points(province.mean_overall),
        "connection_rate": rate(province.connection_rate),
        "dead_lines": province.dead_lines,
        "line_classes": province.line_classes,
    }


def _plain(value):
    """The configuration as JSON values (TOML decimals become numbers)."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, Decimal):
        return float(value)
    return value
