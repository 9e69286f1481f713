from fractions import Fraction

from rexian.evaluation.monitoring.campaign import evaluate
from rexian.evaluation.monitoring.lists import competition_ranks, has_full_connection, in_rank_order, most_improved, top
from rexian.evaluation.monitoring.metrics import RoundStat


def test_competition_ranking_1224_with_ties_ordered_by_id():
    ranks = competition_ranks({"d": Fraction(70), "c": Fraction(80), "b": Fraction(80), "a": Fraction(90)})
    assert ranks == {"a": 1, "b": 2, "c": 2, "d": 4}
    assert in_rank_order(ranks) == ["a", "b", "c", "d"]


def test_exact_scores_decide_ties_not_rounded_ones():
    ranks = competition_ranks({"x": Fraction(1, 3), "y": Fraction(333333, 1000000)})
    assert ranks == {"x": 1, "y": 2}


def test_top_takes_everyone_tied_at_the_edge():
    ranks = {"a": 1, "b": 2, "c": 2, "d": 4}
    assert top(ranks, 2) == ["a", "b", "c"]
    assert top(ranks, 1) == ["a"]
    assert top(ranks, 0) == ["a", "b", "c", "d"]


def rounds(*flags):
    return [RoundStat(number, 10, 10 if full else 9) for number, full in enumerate(flags, start=1)]


def test_full_connection_needs_three_consecutive_of_four_by_default(config):
    assert has_full_connection(rounds(True, True, True, False), config)
    assert has_full_connection(rounds(False, True, True, True), config)
    assert has_full_connection(rounds(True, True, True, True), config)
    assert not has_full_connection(rounds(True, True, False, True), config)
    assert not has_full_connection(rounds(True, False, True, False), config)


def test_full_connection_can_count_any_rounds(custom_config):
    config = custom_config("[lists]\nfull_connection_consecutive = false\n")
    assert has_full_connection(rounds(True, True, False, True), config)
    assert not has_full_connection(rounds(True, False, True, False), config)


def test_full_connection_threshold_follows_the_number_of_rounds(custom_config):
    config = custom_config("[campaign]\nrounds = 3\n")
    assert config.full_connection_min_rounds == 2
    assert has_full_connection(rounds(False, True, True), config)
    assert not has_full_connection(rounds(True, False, True), config)
    six = custom_config("[campaign]\nrounds = 6\n[lists]\nfull_connection_allowed_imperfect_rounds = 2\n")
    assert six.full_connection_min_rounds == 4


def test_a_round_without_calls_is_not_fully_connected(config):
    assert not has_full_connection([RoundStat(1, 0, 0), *rounds(True, True, True)[1:]], config)


def test_most_improved_needs_a_rise_of_at_least_fifty():
    current = {"up50": 1, "up49": 2, "new": 3, "down": 4, "up60": 5}
    previous = {"up50": 51, "up49": 51, "down": 1, "up60": 65, "gone": 7}
    assert most_improved(current, previous, 50) == ["up60", "up50"]


def test_evaluation_lists_with_a_previous_campaign(probes_in_rounds, custom_config):
    config = custom_config("[lists]\nmost_improved_min_rise = 3\ntop = 2\n")
    # current: A best … E worst, by connection rate; previous campaign: E best … A worst
    patterns = {"A": "AAAA", "B": "AAAB", "C": "AABB", "D": "ABBB", "E": "BBBB"}
    current = [p for key, pattern in patterns.items() for p in probes_in_rounds(key, [pattern] * 4)]
    previous = [
        p
        for key, pattern in zip(patterns, reversed(patterns.values()))
        for p in probes_in_rounds(key, [pattern] * 4)
    ]
    evaluation = evaluate(current, config, previous, probes_file="now.csv", previous_file="then.csv")
    by_id = {result.metrics.hotline_id: result for result in evaluation.hotlines}
    assert [result.metrics.hotline_id for result in evaluation.hotlines] == ["A", "B", "C", "D", "E"]
    assert (by_id["A"].previous_rank_overall, by_id["A"].rank_rise) == (5, 4)
    assert (by_id["B"].previous_rank_overall, by_id["B"].rank_rise) == (4, 2)
    assert evaluation.lists["most_improved"] == ("A",)
    assert evaluation.lists["overall"] == ("A", "B")
    assert evaluation.lists["full_connection"] == ("A",)
    assert evaluation.lists["service"] == ()  # no checklist data: nobody can be ranked on service
    assert by_id["E"].metrics.dead_line  # 16 calls at 16 distinct times, none connected
