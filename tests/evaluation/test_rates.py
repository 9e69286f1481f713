from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rexian.evaluation.rates import cut, cut_percent, cut_rate, exact, percent_text, ratio, round_up


def test_cut_percent_matches_the_seed_article():
    # 综合满意率 = (7872 + 3892) / 15184 = 0.774762…, published as 77.47 %
    assert str(cut_percent(7872 + 3892, 15184)) == "77.47"


def test_cut_percent_keeps_two_decimals_on_exact_values():
    assert str(cut_percent(19, 20)) == "95.00"
    assert str(cut_percent(1, 1)) == "100.00"
    assert str(cut_percent(0, 7)) == "0.00"


def test_cut_percent_never_claims_a_threshold_that_was_not_met():
    assert str(cut_percent(1899, 2000)) == "94.95"
    assert str(cut_percent(18999, 20000)) == "94.99"
    assert str(cut_percent(189999, 200000)) == "94.99"  # rounding would say 95.00
    assert str(cut_percent(2, 3)) == "66.66"


def test_zero_denominator_has_no_rate():
    assert cut_percent(0, 0) is None
    assert cut_rate(5, 0) is None
    assert ratio(1, 0) is None
    assert percent_text(3, 0) == "—"
    assert percent_text(3, 0, missing="n/a") == "n/a"


def test_cut_rate_is_a_fraction_with_four_decimals():
    assert cut_rate(1899, 2000) == Decimal("0.9495")
    assert str(cut_rate(1, 3)) == "0.3333"
    assert str(cut_rate(2, 3, digits=2)) == "0.66"


def test_percent_text_for_people():
    assert percent_text(11764, 15184) == "77.47%"
    assert percent_text(1, 3, digits=1) == "33.3%"


def test_digits_zero_and_bad_digits():
    assert str(cut_percent(2, 3, digits=0)) == "66"
    with pytest.raises(ValueError):
        cut(1, -1)
    with pytest.raises(ValueError):
        cut(1, 1.5)


def test_cut_goes_down_and_round_up_goes_up():
    assert str(cut(Fraction(-1, 1000), 2)) == "-0.01"  # never above the true value, even below zero
    assert str(round_up(Fraction(15001, 1000), 2)) == "15.01"
    assert str(round_up(15, 2)) == "15.00"
    assert str(round_up(Fraction(-1, 1000), 2)) == "0.00"


def test_floats_are_read_as_the_decimal_they_print_as():
    # 0.29 in binary is 0.28999999999999998…; cutting that would show 0.28
    assert str(cut(0.29, 2)) == "0.29"
    assert exact(0.1) == Fraction(1, 10)
    assert cut_percent(0.5, 2) == Decimal("25.00")


def test_decimals_and_huge_numbers_are_exact():
    assert cut_percent(Decimal("11764"), Decimal("15184")) == Decimal("77.47")
    assert str(cut(10**40 + Fraction(1, 3), 3)) == "10000000000000000000000000000000000000000.333"


def test_non_numbers_are_refused():
    with pytest.raises(TypeError):
        cut_percent("1", 2)
    with pytest.raises(ValueError):
        cut(float("nan"))
    with pytest.raises(ValueError):
        cut(Decimal("Infinity"))


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=1, max_value=10**9))
def test_cut_percent_is_within_one_hundredth_below_the_true_value(numerator, denominator):
    true = Fraction(100 * numerator, denominator)
    shown = Fraction(cut_percent(numerator, denominator))
    assert shown <= true < shown + Fraction(1, 100)


@given(
    st.fractions(min_value=-(10**6), max_value=10**6),
    st.integers(min_value=0, max_value=8),
)
def test_cut_and_round_up_bracket_the_true_value(value, digits):
    step = Fraction(1, 10**digits)
    low, high = Fraction(cut(value, digits)), Fraction(round_up(value, digits))
    assert low <= value < low + step
    assert high - step < value <= high
    assert cut(value, digits).as_tuple().exponent == -digits
