from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from rexian.evaluation.monitoring.metrics import COLD, DEAD, HOT, WARM, hotline_metrics, pooled_items, pooled_rounds
from rexian.evaluation.rates import cut_percent


def one(probes, config):
    (metrics,) = hotline_metrics(probes, config)
    return metrics


def test_connection_rate_and_mean_time_to_human(probes, config):
    line = one(probes("SC001", "AABAN", seconds=[10, 20, 33]), config)
    assert (line.calls, line.answered) == (5, 3)
    assert line.connection_rate == Fraction(3, 5)
    assert line.mean_seconds_to_human == 21  # (10 + 20 + 33) / 3: only answered calls count
    assert line.outcomes == {"answered": 3, "busy": 1, "no_answer": 1}


def test_classes_at_their_boundaries(probes, config):
    assert one(probes("H", "A" * 19 + "B"), config).line_class == HOT  # 95 % exactly
    assert one(probes("W", "A" * 3 + "B" * 7), config).line_class == WARM  # 30 % exactly
    assert one(probes("W", "A" * 18 + "B" * 2), config).line_class == WARM  # 90 %
    assert one(probes("C", "A" * 2 + "B" * 8), config).line_class == COLD  # 20 %
    assert one(probes("C", "A" + "B" * 99), config).line_class == COLD  # 1 %


def test_1899_of_2000_is_warm_and_shows_94_95(probes, config):
    line = one(probes("W", "A" * 1899 + "N" * 101), config)
    assert line.line_class == WARM
    assert str(cut_percent(line.answered, line.calls)) == "94.95"


def test_ten_failed_calls_at_different_times_make_a_dead_line(probes, config):
    line = one(probes("D", "BNIUVRBNIU"), config)
    assert line.line_class == DEAD and line.dead_line
    assert line.notes == ()
    assert line.mean_seconds_to_human is None


def test_nine_failed_calls_are_not_yet_dead(probes, config):
    line = one(probes("C", "BNIUVRBNI"), config)
    assert line.line_class == COLD and not line.dead_line
    assert "9 个不同时间" in line.notes[0] and "暂列冷线" in line.notes[0]


def test_ten_failed_calls_at_only_nine_different_times_are_not_yet_dead(probes, config):
    calls = probes("C", "BBBBBBBBBB")
    calls[9] = replace(calls[9], called_at=calls[0].called_at)
    line = one(calls, config)
    assert (line.calls, line.distinct_times) == (10, 9)
    assert line.line_class == COLD


def test_dead_line_threshold_comes_from_config(probes, custom_config):
    config = custom_config("[line_classes]\ndead_min_calls = 5\n")
    assert one(probes("D", "BBBBB"), config).line_class == DEAD


def test_rounds_are_counted_separately(probes_in_rounds, config):
    line = one(probes_in_rounds("R", ["AAAA", "AABB", "", "BBBB"]), config)
    assert [(stat.calls, stat.answered) for stat in line.rounds] == [(4, 4), (4, 2), (0, 0), (4, 0)]
    assert [stat.full_connection for stat in line.rounds] == [True, False, False, False]
    assert line.rounds[2].connection_rate is None


def test_item_rates_skip_empty_cells(probes, config):
    items = [
        {"greeting": True, "apology_lookup": True},
        {"greeting": True, "apology_lookup": False},
        {"greeting": False},
        {"greeting": True},
    ]
    line = one(probes("I", "AAAAB", items=items), config)
    assert (line.items["greeting"].done, line.items["greeting"].applicable) == (3, 4)
    assert line.items["apology_lookup"].rate == Fraction(1, 2)  # applied on 2 calls only
    assert line.items["explain_policy"].rate is None  # never applicable


def test_pooled_figures_add_all_hotlines(probes, config):
    lines = hotline_metrics(
        probes("A", "AB", items=[{"thanks": True}]) + probes("B", "AA", items=[{"thanks": False}, {}]), config
    )
    assert [line.hotline_id for line in lines] == ["A", "B"]
    assert pooled_items(lines, config.item_keys)["thanks"].rate == Fraction(1, 2)
    first_round = pooled_rounds(lines, config.rounds)[0]
    assert (first_round.calls, first_round.answered) == (4, 3)


def test_seconds_are_summed_exactly(probes, config):
    line = one(probes("S", "AAA", seconds=["0.1", "0.2", "0.3"]), config)
    assert line.seconds_total == Decimal("0.6")
    assert line.mean_seconds_to_human == Fraction(1, 5)


def test_hotlines_keep_their_province_and_city(probes, config):
    line = one(probes("GD001", "A", province="广东", city="广州", start=datetime(2017, 7, 10)), config)
    assert (line.province, line.city) == ("广东", "广州")
