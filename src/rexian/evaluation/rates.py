"""Exact rates for people: cut, never rounded up.

A rate shown to people must never claim a threshold that was not met: 1899 of
2000 calls connected is 94.95 %, and 18999 of 20000 is 94.99 %, never "95.00 %".
So displayed values are *cut* (rounded toward minus infinity, which for the usual
non-negative rates is plain truncation), and a duration, where smaller is
better, is rounded *up* for the same reason.

All arithmetic is exact (`fractions.Fraction`), so 11,764 / 15,184 gives
"77.47" and 19 / 20 gives "95.00" without any float error. Results are
`decimal.Decimal` values with exactly the asked number of decimals:
``str(cut_percent(19, 20)) == "95.00"``.

Accepted numbers: int, Fraction, Decimal, and float, which is read as the
decimal it prints as (0.29 means 29/100, not the binary value just below it).
A denominator of 0 gives None: there is no rate, and callers show "—".
"""

import math
from decimal import Decimal
from fractions import Fraction
from numbers import Rational

Number = int | float | Decimal | Fraction

MISSING = "—"


def exact(value: Number) -> Fraction:
    """The exact value of a number, as a Fraction."""
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"not a finite number: {value!r}")
        return Fraction(repr(value))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"not a finite number: {value!r}")
        return Fraction(value)
    if isinstance(value, Rational):
        return Fraction(value)
    raise TypeError(f"not a number: {value!r}")


def ratio(numerator: Number, denominator: Number) -> Fraction | None:
    """numerator / denominator exactly, or None when the denominator is 0."""
    denominator = exact(denominator)
    if denominator == 0:
        return None
    return exact(numerator) / denominator


def _check_digits(digits: int) -> None:
    if not isinstance(digits, int) or digits < 0:
        raise ValueError(f"digits must be a whole number ≥ 0, not {digits!r}")


def _decimal(scaled: int, digits: int) -> Decimal:
    """scaled × 10^-digits, built from a string so no context precision can round it."""
    return Decimal(f"{scaled}e-{digits}")


def cut(value: Number, digits: int = 2) -> Decimal:
    """The largest number with `digits` decimals that is ≤ value (19.999 → 19.99)."""
    _check_digits(digits)
    return _decimal(math.floor(exact(value) * 10**digits), digits)


def round_up(value: Number, digits: int = 2) -> Decimal:
    """The smallest number with `digits` decimals that is ≥ value (15.001 → 15.01).

    For durations and other measures where smaller is better.
    """
    _check_digits(digits)
    return _decimal(math.ceil(exact(value) * 10**digits), digits)


def cut_rate(numerator: Number, denominator: Number, digits: int = 4) -> Decimal | None:
    """The rate as a fraction, cut: cut_rate(1899, 2000) == Decimal("0.9495")."""
    value = ratio(numerator, denominator)
    return None if value is None else cut(value, digits)


def cut_percent(numerator: Number, denominator: Number, digits: int = 2) -> Decimal | None:
    """The rate in percent, cut: cut_percent(11764, 15184) == Decimal("77.47")."""
    value = ratio(numerator, denominator)
    return None if value is None else cut(value * 100, digits)


def percent_text(
    numerator: Number, denominator: Number, digits: int = 2, missing: str = MISSING
) -> str:
    """"77.47%" for people; `missing` when there is no rate."""
    value = cut_percent(numerator, denominator, digits)
    return missing if value is None else f"{value}%"
