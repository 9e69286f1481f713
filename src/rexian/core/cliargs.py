"""Argument types and error output shared by the `rexian` sub-commands."""

import argparse
import sys
from datetime import date

BAD_INPUT = 2


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"应为正整数，而不是 {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"应为正整数，而不是 {text!r}")
    return value


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"应为 YYYY-MM-DD 格式的日期，而不是 {text!r}") from None


def fail(message, status: int = BAD_INPUT) -> int:
    """Print a Chinese error line to stderr and return the exit status."""
    print(f"错误：{message}", file=sys.stderr)
    return status
