"""Erlang C and Erlang A against independent brute-force computations.

The brute force uses the textbook closed forms directly: exact fractions for
Erlang B/C (A^N/N! sums), and for Erlang A the truncated birth–death chain plus
the phase-type (hypoexponential) density of the wait, evaluated with 100-digit
decimals. The module computes neither way (recursions, Beta-function form).
"""

import math
from decimal import Decimal, localcontext
from fractions import Fraction

import pytest

from rexian.evaluation.staffing import agents_needed, erlang_a, erlang_b, erlang_c, offered_load


def exact_erlang_b(agents: int, load: Fraction) -> Fraction:
    terms = [Fraction(1)]
    for k in range(1, agents + 1):
        terms.append(terms[-1] * load / k)
    return terms[-1] / sum(terms)


def exact_erlang_c(agents: int, load: Fraction) -> Fraction:
    terms = [Fraction(1)]
    for k in range(1, agents + 1):
        terms.append(terms[-1] * load / k)
    queued = terms[-1] * agents / (agents - load)
    return queued / (sum(terms[:-1]) + queued)


def brute_service_level(agents: int, load: Fraction, aht: float, target: float) -> float:
    wait = float(exact_erlang_c(agents, load))
    return 1 - wait * math.exp(-(agents - float(load)) * target / aht)


def test_classic_example_100_calls_in_30_minutes_aht_180_needs_14_agents_for_80_in_20():
    load = offered_load(100, 180, 1800)
    assert load == 10
    levels = {n: brute_service_level(n, Fraction(10), 180, 20) for n in (13, 14)}
    assert levels[13] < 0.80 <= levels[14]  # 13 agents: 79.6 %, 14 agents: 88.8 %
    figures = agents_needed(100, 180, interval_seconds=1800, target_sl=0.80, target_seconds=20)
    assert figures.agents == 14
    assert figures.service_level == pytest.approx(levels[14], rel=1e-12)
    assert figures.probability_wait == pytest.approx(float(exact_erlang_c(14, Fraction(10))), rel=1e-12)
    assert round(figures.probability_wait, 4) == 0.1741
    assert round(figures.asa_seconds, 1) == 7.8  # C · AHT / (N − A) = 0.1741 × 180 / 4
    assert figures.occupancy == pytest.approx(10 / 14)


@pytest.mark.parametrize(
    "agents, load", [(1, Fraction(1, 2)), (5, Fraction(3)), (20, Fraction(37, 2)), (50, Fraction(45))]
)
def test_erlang_b_and_c_match_exact_fractions(agents, load):
    assert erlang_b(agents, float(load)) == pytest.approx(float(exact_erlang_b(agents, load)), rel=1e-12)
    figures = erlang_c(agents, float(load), 180, 15)
    assert figures.probability_wait == pytest.approx(float(exact_erlang_c(agents, load)), rel=1e-12)


def test_thousands_of_agents_do_not_overflow():
    # exact: B = A^N / Σ A^k N!/k!, in integers
    agents, load = 1200, 1100
    denominator, product = 0, 1
    for k in range(agents, -1, -1):
        denominator += load**k * product
        product *= k if k else 1
    assert erlang_b(agents, load) == pytest.approx(float(Fraction(load**agents, denominator)), rel=1e-10)
    big = agents_needed(20000, 180, target_sl=0.95, target_seconds=15)  # 2000 Erlangs
    assert 2000 < big.agents < 2100
    below = erlang_c(big.agents - 1, big.load, 180, 15)
    assert below.service_level < 0.95 <= big.service_level
    assert erlang_b(10000, 9000.0) > 0 and erlang_c(10000, 9000.0, 180).service_level == pytest.approx(1.0)


def test_overloaded_erlang_c_never_meets_a_target():
    figures = erlang_c(10, 10.0, 180)
    assert (figures.probability_wait, figures.service_level, figures.asa_seconds) == (1.0, 0.0, math.inf)


def as_decimal(value: Fraction) -> Decimal:
    return Decimal(value.numerator) / Decimal(value.denominator)  # at the caller's precision


def brute_erlang_a(agents: int, load: Fraction, aht: int, patience: int, target: int, depth: int = 60):
    """P(wait), P(abandon), SL (answered within T / offered), ASA from first principles."""
    mu, theta = Fraction(1, aht), Fraction(1, patience)
    arrival = load * mu
    weights = [Fraction(1)]
    for n in range(1, agents + depth + 1):  # π_n ∝ Π λ / (min(n, N)μ + max(n − N, 0)θ)
        weights.append(weights[-1] * arrival / (min(n, agents) * mu + max(n - agents, 0) * theta))
    total = sum(weights)
    pi = [w / total for w in weights]
    waiting = pi[agents:]
    p_wait = sum(waiting)
    p_abandon = theta * sum(k * p for k, p in enumerate(waiting)) / arrival  # Little's law
    with localcontext() as context:
        context.prec = 100
        own = as_decimal(theta)
        level = 1 - as_decimal(p_wait)
        answered_wait = Decimal(0)
        for k, p in enumerate(waiting):
            rates = [as_decimal(agents * mu + j * theta) for j in range(k + 1)]  # phases of the virtual wait
            for i, rate in enumerate(rates):
                coefficient = Decimal(1)  # hypoexponential density: Σ_i coefficient_i · rate_i · e^(−rate_i·v)
                for j, other in enumerate(rates):
                    if j != i:
                        coefficient *= other / (other - rate)
                killed = rate + own  # answered only if the caller's own patience outlasts the wait
                level += as_decimal(p) * coefficient * rate * (1 - (-killed * target).exp()) / killed
                answered_wait += as_decimal(p) * coefficient * rate / killed**2
    answered_share = 1 - float(p_abandon)
    return float(p_wait), float(p_abandon), float(level), float(answered_wait) / answered_share


@pytest.mark.parametrize(
    "agents, load, aht, patience, target",
    [
        (3, Fraction(5, 2), 180, 90, 20),
        (4, Fraction(5), 120, 300, 15),
        (2, Fraction(1, 2), 60, 30, 10),
        (5, Fraction(6), 180, 600, 30),
    ],
)
def test_erlang_a_matches_the_birth_death_chain_and_phase_type_waits(agents, load, aht, patience, target):
    p_wait, p_abandon, level, asa = brute_erlang_a(agents, load, aht, patience, target)
    figures = erlang_a(agents, float(load), aht, patience, target)
    assert figures.probability_wait == pytest.approx(p_wait, rel=1e-9)
    assert figures.probability_abandon == pytest.approx(p_abandon, rel=1e-9)
    assert figures.service_level == pytest.approx(level, rel=1e-9)
    assert figures.asa_seconds == pytest.approx(asa, rel=1e-9)
    assert figures.service_level_of_answered == pytest.approx(level / (1 - p_abandon), rel=1e-9)


def test_erlang_a_with_endless_patience_is_erlang_c():
    patient = erlang_a(14, 10.0, 180, 1e9, 20)
    classic = erlang_c(14, 10.0, 180, 20)
    assert patient.probability_wait == pytest.approx(classic.probability_wait, rel=1e-6)
    assert patient.service_level == pytest.approx(classic.service_level, rel=1e-6)
    assert patient.asa_seconds == pytest.approx(classic.asa_seconds, rel=1e-6)
    assert patient.probability_abandon < 1e-7


def test_erlang_a_stays_finite_when_overloaded():
    figures = erlang_a(900, 1000.0, 180, 60, 15)
    assert 0.09 < figures.probability_abandon < 0.11  # roughly the excess load, 100 of 1000
    assert 0 < figures.service_level < 1 and math.isfinite(figures.asa_seconds)


def test_agents_needed_with_patience_is_minimal_and_uses_erlang_a():
    figures = agents_needed(100, 180, target_sl=0.80, target_seconds=20, patience_seconds=120)
    assert figures.model == "erlang_a"
    assert figures.service_level >= 0.80
    assert erlang_a(figures.agents - 1, 10.0, 180, 120, 20).service_level < 0.80
    large = agents_needed(20000, 180, target_sl=0.95, target_seconds=15, patience_seconds=60)
    assert erlang_a(large.agents - 1, large.load, 180, 60, 15).service_level < 0.95 <= large.service_level


def test_service_level_rises_with_agents():
    for model in (lambda n: erlang_c(n, 30.0, 200, 15), lambda n: erlang_a(n, 30.0, 200, 45, 15)):
        levels = [model(n).service_level for n in range(31, 60)]
        assert levels == sorted(levels)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError):
        agents_needed(100, 180, target_sl=1.0)
    with pytest.raises(ValueError):
        agents_needed(100, 0)
    with pytest.raises(ValueError):
        erlang_b(-1, 2.0)
    with pytest.raises(ValueError):
        erlang_a(3, 2.0, 180, 0)


def test_no_calls_need_one_agent():
    assert agents_needed(0, 180).agents == 1
