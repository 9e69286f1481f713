"""Order numbers: YYYYMMDD-NNNNN, one sequence per local (Asia/Shanghai) day."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from rexian.orders.services.numbering import next_number

SHANGHAI = ZoneInfo("Asia/Shanghai")

UTC = dt.timezone.utc


def test_numbers_run_in_sequence_within_a_day(make_order):
    numbers = [make_order().number for _ in range(3)]
    assert numbers == ["20260302-00001", "20260302-00002", "20260302-00003"]
    assert all(re.fullmatch(r"\d{8}-\d{5}", number) for number in numbers)


@pytest.mark.django_db
def test_the_sequence_restarts_at_local_midnight_not_utc():
    before_midnight = dt.datetime(2026, 3, 1, 23, 59, 59, tzinfo=SHANGHAI)
    assert next_number(before_midnight) == "20260301-00001"
    # 00:00 in Shanghai is 16:00 UTC of the day before: already the new local day.
    assert next_number(dt.datetime(2026, 3, 1, 16, 0, tzinfo=UTC)) == "20260302-00001"
    # UTC midnight (08:00 in Shanghai) does not restart anything.
    assert next_number(dt.datetime(2026, 3, 2, 0, 0, tzinfo=UTC)) == "20260302-00002"
    assert next_number(dt.datetime(2026, 3, 2, 15, 59, 59, tzinfo=UTC)) == "20260302-00003"
    # Back on the previous local day, its own sequence goes on.
    assert next_number(before_midnight) == "20260301-00002"


def test_intake_numbers_by_the_moment_of_intake(users, city):
    from rexian.orders.services import intake

    data = {"phone": "13812345678", "order_type": "consult", "title": "问询", "content": "办事时间"}
    late = intake.register(users["agent"], data, now=dt.datetime(2026, 5, 31, 23, 30, tzinfo=SHANGHAI))
    early = intake.register(users["agent"], data, now=dt.datetime(2026, 5, 31, 16, 30, tzinfo=UTC))
    assert (late.number, early.number) == ("20260531-00001", "20260601-00001")
