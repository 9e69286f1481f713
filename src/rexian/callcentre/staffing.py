"""Agents needed per half-hour (排班测算), from a forecast or from the calls of past weeks.

The queueing maths is `rexian.evaluation.staffing` (Erlang C, or Erlang A when
callers' patience is given); this module turns call history into a forecast
and the forecast into a table. Its service level is answered within T /
offered, the conservative reading of "95 % within 15 s".

The forecast for a day is the average, per half-hour, of the same weekday in
the last `weeks` weeks that have any calls (holidays are not recognised: pass
a different `weeks` or your own forecast). Handle time per half-hour is that
half-hour's mean talk time when it rests on at least MIN_CALLS_FOR_SLOT_AHT
calls, else the mean over the whole profile.
"""

from dataclasses import dataclass
from datetime import date, time, timedelta
from fractions import Fraction

from django.db.models import Sum

from rexian.callcentre.conf import call_settings
from rexian.callcentre.models import ABANDONED_BUCKETS, CallSlotStat
from rexian.evaluation.staffing import agents_needed

INTERVAL_SECONDS = 1800
MIN_CALLS_FOR_SLOT_AHT = 20


class StaffingError(ValueError):
    """No history to forecast from, or a forecast the models cannot staff."""


@dataclass(frozen=True)
class SlotForecast:
    slot: int  # 0–47: the local half-hour of the day
    calls: Fraction  # expected calls offered in the half-hour
    aht_seconds: Fraction

    @property
    def start(self) -> time:
        return time(self.slot // 2, 30 * (self.slot % 2))


@dataclass(frozen=True)
class StaffingRow:
    slot: int
    calls: Fraction
    aht_seconds: Fraction
    agents: int
    service_level: float  # answered within T / offered, with `agents`
    asa_seconds: float
    probability_abandon: float  # 0 under Erlang C
    occupancy: float

    @property
    def start(self) -> time:
        return time(self.slot // 2, 30 * (self.slot % 2))

    def as_dict(self) -> dict:
        return {
            "slot": self.slot,
            "start": self.start.strftime("%H:%M"),
            "calls": float(self.calls),
            "aht_seconds": float(self.aht_seconds),
            "agents": self.agents,
            "service_level": self.service_level,
            "asa_seconds": self.asa_seconds,
            "probability_abandon": self.probability_abandon,
            "occupancy": self.occupancy,
        }


@dataclass(frozen=True)
class StaffingTable:
    day: date | None
    target: float
    seconds: int
    patience_seconds: float | None
    history_days: list[date]  # the days the forecast averages
    rows: list[StaffingRow]

    @property
    def model(self) -> str:
        return "erlang_c" if self.patience_seconds is None else "erlang_a"

    @property
    def agent_hours(self) -> Fraction:
        return Fraction(sum(row.agents for row in self.rows), 2)

    def as_dict(self) -> dict:
        return {
            "date": self.day.isoformat() if self.day else None,
            "model": self.model,
            "target": self.target,
            "seconds": self.seconds,
            "patience_seconds": self.patience_seconds,
            "history_days": [day.isoformat() for day in self.history_days],
            "agent_hours": float(self.agent_hours),
            "rows": [row.as_dict() for row in self.rows],
        }


def staff(
    forecast: list[SlotForecast], target: float = 0.95, seconds: int | None = None, patience_seconds: float | None = None
) -> list[StaffingRow]:
    """Agents per half-hour so that `target` of the calls are answered within `seconds`."""
    seconds = call_settings().answer_seconds if seconds is None else seconds
    rows = []
    for slot in forecast:
        try:
            figures = agents_needed(
                float(slot.calls),
                float(slot.aht_seconds),
                interval_seconds=INTERVAL_SECONDS,
                target_sl=target,
                target_seconds=seconds,
                patience_seconds=patience_seconds,
            )
        except ValueError as error:
            raise StaffingError(f"{slot.start:%H:%M}：{error}") from None
        rows.append(
            StaffingRow(
                slot=slot.slot,
                calls=slot.calls,
                aht_seconds=slot.aht_seconds,
                agents=figures.agents,
                service_level=figures.service_level,
                asa_seconds=figures.asa_seconds,
                probability_abandon=figures.probability_abandon,
                occupancy=figures.occupancy,
            )
        )
    return rows


def weekday_profile(
    day: date,
    weeks: int = 4,
    *,
    queue: str | None = None,
    number_called: str | None = None,
    short_abandon: int | None = None,
    aht_seconds: float | None = None,
) -> tuple[list[SlotForecast], list[date]]:
    """The forecast for `day`: per half-hour, the mean calls of the same weekday over the
    last `weeks` weeks that had calls, and the handle time (see the module docstring)."""
    if weeks < 1:
        raise StaffingError("weeks 须 ≥ 1")
    short_abandon = call_settings().short_abandon_seconds if short_abandon is None else short_abandon
    days = [day - timedelta(weeks=k) for k in range(1, weeks + 1)]
    filters = {name: value for name, value in (("queue", queue), ("number_called", number_called)) if value}
    columns = ("offered", "talked", "sum_talk", *ABANDONED_BUCKETS[:short_abandon])
    rows = (
        CallSlotStat.objects.filter(day__in=days, **filters)
        .values("day", "slot")
        .annotate(**{column: Sum(column) for column in columns})
        .order_by()
    )
    offered = [0] * 48
    talked = [0] * 48
    talk = [0] * 48
    used: set[date] = set()
    for row in rows:
        calls = int(row["offered"]) - sum(int(row[column]) for column in ABANDONED_BUCKETS[:short_abandon])
        if calls:
            used.add(row["day"])
        offered[row["slot"]] += calls
        talked[row["slot"]] += int(row["talked"])
        talk[row["slot"]] += int(row["sum_talk"])
    if not used:
        raise StaffingError(f"{days[-1]} 至 {days[0]} 的同一星期几没有话务记录，无法预测：先导入话务，或直接给出预测")
    if aht_seconds is not None:
        overall = Fraction(aht_seconds)
    elif sum(talked):
        overall = Fraction(sum(talk), sum(talked))
    else:
        raise StaffingError("历史话务没有通话时长，无法得出平均处理时长：请用 --aht 给出")
    forecast = []
    for slot in range(48):
        if aht_seconds is None and talked[slot] >= MIN_CALLS_FOR_SLOT_AHT:
            aht = Fraction(talk[slot], talked[slot])
        else:
            aht = overall
        forecast.append(SlotForecast(slot, Fraction(offered[slot], len(used)), aht))
    return forecast, sorted(used)


def staffing_for_day(
    day: date,
    *,
    weeks: int = 4,
    target: float = 0.95,
    seconds: int | None = None,
    patience_seconds: float | None = None,
    aht_seconds: float | None = None,
    queue: str | None = None,
    number_called: str | None = None,
    short_abandon: int | None = None,
) -> StaffingTable:
    """The staffing table for `day` from the same weekday of the past `weeks` weeks."""
    seconds = call_settings().answer_seconds if seconds is None else seconds
    forecast, used = weekday_profile(
        day, weeks, queue=queue, number_called=number_called, short_abandon=short_abandon, aht_seconds=aht_seconds
    )
    rows = staff(forecast, target=target, seconds=seconds, patience_seconds=patience_seconds)
    return StaffingTable(day, target, seconds, patience_seconds, used, rows)
