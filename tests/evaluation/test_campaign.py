"""A small campaign computed by hand: every class, a tie, provinces, pooled figures."""

from fractions import Fraction

import pytest

from rexian.evaluation.monitoring.campaign import evaluate


@pytest.fixture
def small(probes_in_rounds, config):
    """Six hotlines in two provinces, 4 rounds of 3 calls, seconds 10 everywhere.

    HOT1, HOT2: 12/12 connected (tie); WARM: 6/12; COLD: 2/12;
    DEAD: 0/12 at 12 times; NEW: 0 of 9 calls (not yet dead).
    """
    plan = {
        ("HOT1", "四川"): ["AAA", "AAA", "AAA", "AAA"],
        ("HOT2", "广东"): ["AAA", "AAA", "AAA", "AAA"],
        ("WARM", "四川"): ["AAB", "ABB", "AAB", "ABB"],
        ("COLD", "广东"): ["ABB", "BBB", "ABB", "BBB"],
        ("DEAD", "四川"): ["BBB", "NNN", "III", "UUU"],
        ("NEW", "广东"): ["BBB", "NNN", "III"],
    }
    items = [{"greeting": True, "thanks": True}] * 12
    calls = [
        p
        for (key, province), patterns in plan.items()
        for p in probes_in_rounds(key, patterns, province=province, items=items)
    ]
    return evaluate(calls, config, probes_file="small.csv")


def by_id(evaluation):
    return {result.metrics.hotline_id: result for result in evaluation.hotlines}


def test_classes_and_notes(small):
    classes = {key: result.metrics.line_class for key, result in by_id(small).items()}
    assert classes == {"HOT1": "hot", "HOT2": "hot", "WARM": "warm", "COLD": "cold", "DEAD": "dead", "NEW": "cold"}
    assert by_id(small)["NEW"].metrics.notes
    assert small.line_classes == {"hot": 2, "warm": 1, "cold": 2, "dead": 1}
    assert small.reachable_hotlines == 4


def test_ties_share_a_rank_and_the_next_rank_skips(small):
    ranks = {key: result.rank_overall for key, result in by_id(small).items()}
    # HOT1 = HOT2 = 100 (conn) / 100 (service) → 100; WARM: conn 0.7×50 + 0.3×100 = 65, overall 82.5;
    # COLD: conn 0.7×(100/6) + 30 = 41.67, overall 70.83; DEAD and NEW: 0.
    assert ranks == {"HOT1": 1, "HOT2": 1, "WARM": 3, "COLD": 4, "DEAD": 5, "NEW": 5}
    assert [r.metrics.hotline_id for r in small.hotlines] == ["HOT1", "HOT2", "WARM", "COLD", "DEAD", "NEW"]
    assert by_id(small)["WARM"].scores.overall == Fraction(165, 2)
    assert by_id(small)["COLD"].scores.overall == (Fraction(70, 6) + 30 + 100) / 2


def test_service_rank_leaves_out_lines_with_nothing_to_observe(small):
    service = {key: result.rank_service for key, result in by_id(small).items()}
    assert service == {"HOT1": 1, "HOT2": 1, "WARM": 1, "COLD": 1, "DEAD": None, "NEW": None}
    assert small.lists["service"] == ("COLD", "HOT1", "HOT2", "WARM")


def test_full_connection_list(small):
    assert small.lists["full_connection"] == ("HOT1", "HOT2")
    assert small.lists["most_improved"] == ()


def test_province_table(small):
    rows = {row.province: row for row in small.provinces}
    # 四川: HOT1 100, WARM 82.5, DEAD 0 → 182.5 / 3; 广东: HOT2 100, COLD 70.83…, NEW 0
    assert rows["四川"].mean_overall == Fraction(365, 6)
    assert (rows["四川"].hotlines, rows["四川"].dead_lines) == (3, 1)
    assert rows["广东"].dead_lines == 0 and rows["广东"].line_classes["cold"] == 2
    assert [row.province for row in small.provinces] == ["四川", "广东"]
    assert rows["四川"].connection_rate == Fraction(18, 36)


def test_campaign_figures(small):
    assert small.calls == 69 and small.answered == 32
    assert small.mean_seconds_to_human == 10
    assert small.items["greeting"].rate == 1
    assert small.items["ask_need"].rate is None
    assert [stat.answered for stat in small.rounds] == [9, 7, 9, 7]
    assert small.mean_score("service") == 100  # the four reachable lines only
