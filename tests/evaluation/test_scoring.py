from fractions import Fraction

from rexian.evaluation.monitoring.metrics import hotline_metrics
from rexian.evaluation.monitoring.scoring import score, weighted_mean

# Eight answered calls of ten. Per item, T done / F not done / - not applicable:
#                greeting ask_need apology ask_more thanks ask_details explain resolved
CHECKLIST = [
    "T T T F T T - T",
    "T T F F T T - T",
    "T T - T T T - T",
    "T T - T T F - T",
    "T F - F T - - T",
    "T F - F T - - T",
    "T F - F F - - T",
    "T F - F F - - T",
]
KEYS = ["greeting", "ask_need", "apology_lookup", "ask_more", "thanks", "ask_details", "explain_policy", "resolved"]


def checklist_items():
    return [
        {key: mark == "T" for key, mark in zip(KEYS, row.split()) if mark != "-"}
        for row in CHECKLIST
    ]


def test_default_config_scores_computed_by_hand(probes, config):
    calls = probes("X", "AAAAABBAAA", seconds=[10, 10, 20, 20, 30, 30, 20, 20], items=checklist_items())
    (line,) = hotline_metrics(calls, config)
    scores = score(line, config)
    # 接通率 8/10 on the linear curve: 80 points.
    assert scores.rate_points == 80
    # Mean time to human 160/8 = 20 s, between (15 s, 100) and (30 s, 60): 100 − 40 × 5/15.
    assert scores.speed_points == Fraction(260, 3)
    # 接通情况 = 0.7 × 80 + 0.3 × 260/3 = 56 + 26
    assert scores.connection == 82
    # 服务礼仪: greeting 8/8, ask_need 4/8, apology 1/2, ask_more 2/8, thanks 6/8 → (100+50+50+25+75)/5
    assert scores.groups["etiquette"] == 60
    # 沟通技巧: ask_details 3/4
    assert scores.groups["communication"] == 75
    # 问题回应: explain_policy never applied (left out), resolved 8/8
    assert scores.groups["response"] == 100
    # 服务水平 = 0.4 × 60 + 0.3 × 75 + 0.3 × 100
    assert scores.service == Fraction(765, 10)
    # 总体 = 0.5 × 82 + 0.5 × 76.5
    assert scores.overall == Fraction(7925, 100)


def test_a_line_never_answered_scores_zero_and_has_no_service_score(probes, config):
    (line,) = hotline_metrics(probes("D", "B" * 10), config)
    scores = score(line, config)
    assert (scores.rate_points, scores.speed_points, scores.connection, scores.overall) == (0, 0, 0, 0)
    assert scores.service is None
    assert scores.groups == {"etiquette": None, "communication": None, "response": None}


def test_answered_without_checklist_counts_zero_service_in_overall(probes, config):
    (line,) = hotline_metrics(probes("Q", "AAAA", seconds=5), config)
    scores = score(line, config)
    assert scores.connection == 100
    assert scores.service is None
    assert scores.overall == 50


def test_weights_from_config_change_the_score(probes, custom_config):
    config = custom_config("[weights]\nconnection = 3\nservice = 1\n[connection]\nspeed_weight = 0\n")
    (line,) = hotline_metrics(probes("Y", "AB", seconds=100, items=[{"greeting": True}]), config)
    scores = score(line, config)
    assert scores.connection == 50  # rate only
    assert scores.service == 100  # only greeting applied
    assert scores.overall == Fraction(3 * 50 + 100, 4)


def test_weighted_mean_spreads_the_weight_of_unknown_values():
    assert weighted_mean([(Fraction(1), Fraction(10)), (Fraction(3), Fraction(20))]) == Fraction(70, 4)
    assert weighted_mean([(Fraction(1), Fraction(10)), (Fraction(3), None)]) == 10
    assert weighted_mean([(Fraction(1), None)]) is None
    assert weighted_mean([(Fraction(0), Fraction(5))]) is None
