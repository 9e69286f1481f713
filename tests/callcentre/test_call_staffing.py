from datetime import date, timedelta
from fractions import Fraction

import pytest
from calldata import CSV_HEADER, csv_row, local

from rexian.callcentre.importer import import_calls
from rexian.callcentre.staffing import SlotForecast, StaffingError, staff, staffing_for_day, weekday_profile
from rexian.evaluation.staffing import erlang_a, erlang_c, offered_load


def test_it_staffs_more_agents_for_more_calls_and_meets_the_target():
    quiet, busy = staff([SlotForecast(20, Fraction(100), Fraction(180)), SlotForecast(21, Fraction(300), Fraction(180))])

    assert busy.agents > quiet.agents
    for row in (quiet, busy):
        load = offered_load(float(row.calls), 180, 1800)
        assert erlang_c(row.agents, load, 180, 15).service_level >= 0.95
        assert erlang_c(row.agents - 1, load, 180, 15).service_level < 0.95  # the fewest that do
        assert row.service_level >= 0.95


def test_it_uses_erlang_a_when_callers_have_patience():
    [row] = staff([SlotForecast(20, Fraction(300), Fraction(180))], patience_seconds=60)

    load = offered_load(300, 180, 1800)
    assert erlang_a(row.agents, load, 180, 60, 15).service_level >= 0.95
    assert erlang_a(row.agents - 1, load, 180, 60, 15).service_level < 0.95
    assert row.probability_abandon > 0


def test_it_takes_the_target_and_seconds():
    forecast = [SlotForecast(20, Fraction(200), Fraction(180))]

    strict = staff(forecast, target=0.95, seconds=15)[0].agents
    loose = staff(forecast, target=0.80, seconds=20)[0].agents

    assert loose < strict


def _mondays(write, counts: list[int], talk: int = 180):
    """`counts[k]` answered calls at 10:00 on the Monday k+1 weeks before 31 March 2025."""
    for weeks_back, count in enumerate(counts, start=1):
        day = (date(2025, 3, 31) - timedelta(weeks=weeks_back)).isoformat()
        start = local("10:00:00", day)
        text = CSV_HEADER + "".join(
            csv_row(f"{day}-{n}", start + timedelta(seconds=n * 10), "answered", 5, talk) for n in range(count)
        )
        if count:
            import_calls(write(f"{day}.csv", text))


def test_it_forecasts_from_the_same_weekday_of_the_last_weeks(db, write):
    _mondays(write, [40, 60, 80, 100])
    import_calls(write("tuesday.csv", CSV_HEADER + csv_row("tue", local("10:00:00", "2025-03-25"), "answered", 5, 60)))

    forecast, used = weekday_profile(date(2025, 3, 31), weeks=4)

    assert used == [date(2025, 3, 3), date(2025, 3, 10), date(2025, 3, 17), date(2025, 3, 24)]
    assert forecast[20].calls == 70  # (40 + 60 + 80 + 100) / 4; 10:00 is slot 20
    assert forecast[20].aht_seconds == 180
    assert sum(slot.calls for slot in forecast) == 70


def test_it_averages_only_the_weeks_that_had_calls(db, write):
    _mondays(write, [0, 0, 30, 50])

    forecast, used = weekday_profile(date(2025, 3, 31))

    assert len(used) == 2 and forecast[20].calls == 40


def test_it_builds_the_staffing_table_for_a_day(db, write):
    _mondays(write, [100, 100, 100, 100])

    table = staffing_for_day(date(2025, 3, 31))

    busy = table.rows[20]
    assert busy.calls == 100 and busy.agents == staff([SlotForecast(20, Fraction(100), Fraction(180))])[0].agents
    assert erlang_c(busy.agents, offered_load(100, 180, 1800), 180, 15).service_level >= 0.95
    assert table.rows[3].agents == 1  # a quiet night still needs someone: the line is staffed 7×24
    assert table.as_dict()["rows"][20]["start"] == "10:00"
    assert table.model == "erlang_c" and table.agent_hours == Fraction(sum(row.agents for row in table.rows), 2)


def test_it_needs_history(db):
    with pytest.raises(StaffingError, match="没有话务记录"):
        staffing_for_day(date(2025, 3, 31))
