"""Reading call files: the Rexian CSV schema and Asterisk's queue_log.

Both parsers turn text lines into `ParsedCall`s (one per call, once the call
has ended) and `RowError`s (a line number and a message). They never touch
the database; `importer.py` stores what they yield. See docs/callcentre.md
for the schema and the queue_log mapping.

Durations are whole seconds rounded up (a 15.2 s wait is not "within 15 s").
Error messages never quote the caller's number: it is personal data.
"""

import csv
import operator
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta, tzinfo
from typing import NamedTuple

from django.utils import timezone

from rexian.callcentre.choices import CallOutcome
from rexian.core.masking import normalize_phone

CSV_COLUMNS = (
    "call_id",
    "number_called",
    "caller",
    "queue",
    "offered_at",
    "answered_at",
    "abandoned_at",
    "ended_at",
    "agent",
)
MAX_LENGTHS = {"call_id": 128, "number_called": 32, "caller": 32, "queue": 64, "agent": 64}

# A call that left a queue by timeout, key or "no agents" may go on to another
# queue under the same uniqueid; it is held this many seconds of log time
# before it counts as ended.
REQUEUE_GRACE_SECONDS = 600


class ParsedCall(NamedTuple):
    line: int
    call_id: str
    number_called: str
    caller: str
    queue: str
    offered_at: datetime
    answered_at: datetime | None
    abandoned_at: datetime | None
    ended_at: datetime | None
    agent: str
    wait_seconds: int
    talk_seconds: int | None
    outcome: str


class RowError(NamedTuple):
    line: int
    message: str


class ParseStats:
    """What a parser saw besides the calls: lines read and calls still open at the end."""

    def __init__(self):
        self.lines = 0
        self.incomplete = 0


class _Invalid(ValueError):
    """A row is wrong; the message says how (without personal data)."""


def _seconds_up(delta: timedelta) -> int:
    """Whole seconds, rounded up."""
    whole = delta.days * 86400 + delta.seconds
    return whole + 1 if delta.microseconds else whole


def _check_lengths(**values: str) -> None:
    for field, value in values.items():
        if len(value) > MAX_LENGTHS[field]:
            raise _Invalid(f"{field} 超过 {MAX_LENGTHS[field]} 个字符")


_ANSWERED, _ABANDONED = CallOutcome.ANSWERED.value, CallOutcome.ABANDONED.value


def _call(
    line,
    call_id,
    number_called,
    caller,
    queue,
    offered,
    answered,
    abandoned,
    ended,
    agent,
    unanswered=CallOutcome.UNANSWERED,
) -> ParsedCall:
    """Build a call from its times, checking their order.

    The outcome follows from which times are set; `unanswered` names it when
    the call ended neither answered nor abandoned.
    """
    if not call_id:
        raise _Invalid("缺少 call_id")
    caller = normalize_phone(caller)
    if len(call_id) > 128 or len(number_called) > 32 or len(caller) > 32 or len(queue) > 64 or len(agent) > 64:
        _check_lengths(call_id=call_id, number_called=number_called, caller=caller, queue=queue, agent=agent)
    if answered is not None:
        if abandoned is not None:
            raise _Invalid("answered_at 与 abandoned_at 不能同时填写")
        if answered < offered:
            raise _Invalid("answered_at 早于 offered_at")
        if ended is None:
            talk = None
        elif ended < answered:
            raise _Invalid("ended_at 早于 answered_at")
        else:
            talk = _seconds_up(ended - answered)
        outcome, wait = _ANSWERED, _seconds_up(answered - offered)
    elif abandoned is not None:
        if abandoned < offered:
            raise _Invalid("abandoned_at 早于 offered_at")
        if ended is not None and ended < offered:
            raise _Invalid("ended_at 早于 offered_at")
        outcome, wait, talk = _ABANDONED, _seconds_up(abandoned - offered), None
    elif ended is not None:
        if ended < offered:
            raise _Invalid("ended_at 早于 offered_at")
        outcome, wait, talk = str(unanswered), _seconds_up(ended - offered), None
    else:
        raise _Invalid("answered_at、abandoned_at、ended_at 都为空：通话尚未结束")
    return ParsedCall(
        line, call_id, number_called, caller, queue, offered, answered, abandoned, ended, agent, wait, talk, outcome
    )


# ---------------------------------------------------------------- CSV


def _csv_time(text: str, field: str, local: tzinfo) -> datetime | None:
    text = text.strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise _Invalid(f"{field} 不是 ISO 8601 时间：{text[:40]!r}") from None
    return moment.replace(tzinfo=local) if moment.tzinfo is None else moment


def parse_csv(lines: Iterable[str], stats: ParseStats, local: tzinfo | None = None) -> Iterator[ParsedCall | RowError]:
    """Rows of the Rexian CSV schema (header required; naive times are local time)."""
    local = local or timezone.get_default_timezone()
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None:
        yield RowError(1, "文件为空")
        return
    header = [name.strip().lower() for name in header]
    missing = [name for name in CSV_COLUMNS if name not in header]
    unknown = [name for name in header if name not in CSV_COLUMNS]
    if missing or unknown:
        parts = ([f"缺少列 {', '.join(missing)}"] if missing else []) + (
            [f"未知列 {', '.join(unknown)}"] if unknown else []
        )
        yield RowError(1, "表头不符合格式：" + "；".join(parts) + f"（应为 {','.join(CSV_COLUMNS)}）")
        return
    pick = operator.itemgetter(*(header.index(name) for name in CSV_COLUMNS))
    width = len(header)
    stats.lines = 1
    for row in reader:
        stats.lines = reader.line_num
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) != width:
            yield RowError(reader.line_num, f"应有 {width} 列，实有 {len(row)} 列")
            continue
        call_id, number_called, caller, queue, offered, answered, abandoned, ended, agent = pick(row)
        try:
            offered_at = _csv_time(offered, "offered_at", local)
            if offered_at is None:
                raise _Invalid("缺少 offered_at")
            yield _call(
                reader.line_num,
                call_id.strip(),
                number_called.strip(),
                caller,
                queue.strip(),
                offered_at,
                _csv_time(answered, "answered_at", local),
                _csv_time(abandoned, "abandoned_at", local),
                _csv_time(ended, "ended_at", local),
                agent.strip(),
            )
        except _Invalid as error:
            yield RowError(reader.line_num, str(error))


# ---------------------------------------------------------------- queue_log


class _Visit:
    """What the log has said so far about one call (uniqueid)."""

    __slots__ = (
        "line", "number_called", "caller", "queue", "offered", "answered", "agent", "ended", "outcome", "held_until"
    )

    def __init__(self, line: int):
        self.line = line
        self.number_called = ""
        self.caller = ""
        self.queue = ""
        self.offered: int | None = None
        self.answered: int | None = None
        self.agent = ""
        self.ended: int | None = None
        self.outcome: str | None = None
        self.held_until: int | None = None


_END_FIELDS = {
    # event: index (in data fields) of the wait in seconds
    "ABANDON": (CallOutcome.ABANDONED, 2),
    "EXITWITHTIMEOUT": (CallOutcome.TIMEOUT, 2),
    "EXITEMPTY": (CallOutcome.EXIT_EMPTY, 2),
    "EXITWITHKEY": (CallOutcome.EXIT_KEY, 3),
}
_TRANSFERS = {"TRANSFER", "BLINDTRANSFER", "ATTENDEDTRANSFER"}
_COMPLETES = {"COMPLETEAGENT", "COMPLETECALLER"}
_NOT_CALLS = {"NONE", "MANAGER", "REALTIME", ""}


def _number(data: list[str], index: int, what: str, required: bool = True) -> int | None:
    if index >= len(data) or not data[index].strip():
        if required:
            raise _Invalid(f"缺少{what}")
        return None
    try:
        value = int(data[index])
    except ValueError:
        raise _Invalid(f"{what}不是整数：{data[index][:20]!r}") from None
    if value < 0:
        raise _Invalid(f"{what}为负数")
    return value


def _moment(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _finish(uniqueid: str, visit: _Visit) -> ParsedCall:
    offered = _moment(visit.offered)
    answered = abandoned = None
    if visit.outcome == CallOutcome.ANSWERED:
        answered = _moment(visit.answered)
    elif visit.outcome == CallOutcome.ABANDONED:
        abandoned = _moment(visit.ended)
    return _call(
        visit.line,
        uniqueid,
        visit.number_called,
        visit.caller,
        visit.queue,
        offered,
        answered,
        abandoned,
        _moment(visit.ended),
        visit.agent,
        visit.outcome,
    )


def parse_queue_log(
    lines: Iterable[str], stats: ParseStats, number_called: str = ""
) -> Iterator[ParsedCall | RowError]:
    """Calls from an Asterisk queue_log, one per uniqueid, yielded once they have ended.

    `number_called` is used for calls whose dialled number the log does not
    give (no DID line).
    """
    open_calls: dict[str, _Visit] = {}
    held: dict[str, _Visit] = {}  # left a queue unanswered; may re-enter another
    last_flush = 0
    line_no = 0
    for line_no, raw in enumerate(lines, start=1):
        stats.lines = line_no
        text = raw.rstrip("\r\n")
        if not text.strip():
            continue
        fields = text.split("|")
        if len(fields) < 5:
            yield RowError(line_no, f"应为 epoch|callid|queuename|agent|event|…，只有 {len(fields)} 段")
            continue
        epoch_text, uniqueid, queue, agent, event = (field.strip() for field in fields[:5])
        data = fields[5:]
        try:
            epoch = int(float(epoch_text))
        except ValueError:
            yield RowError(line_no, f"时间戳不是数字：{epoch_text[:20]!r}")
            continue
        if epoch - last_flush >= 60 and held:
            last_flush = epoch
            for key in [key for key, visit in held.items() if visit.held_until <= epoch]:
                visit = held.pop(key)
                try:
                    yield _finish(key, visit)
                except _Invalid as error:
                    yield RowError(visit.line, f"通话 {key}：{error}")
        if uniqueid.upper() in _NOT_CALLS:
            continue
        try:
            result = _apply(open_calls, held, uniqueid, line_no, epoch, queue, agent, event, data, number_called)
        except _Invalid as error:
            open_calls.pop(uniqueid, None)
            held.pop(uniqueid, None)
            yield RowError(line_no, f"{event}：{error}")
            continue
        if result is not None:
            try:
                yield _finish(uniqueid, result)
            except _Invalid as error:
                yield RowError(line_no, f"通话 {uniqueid}：{error}")
    for key, visit in held.items():
        try:
            yield _finish(key, visit)
        except _Invalid as error:
            yield RowError(visit.line, f"通话 {key}：{error}")
    stats.incomplete = len(open_calls)


def _visit(open_calls, held, uniqueid, line_no, default_number) -> _Visit:
    """The call's open visit; a call held after leaving a queue is back in one, so one call."""
    visit = open_calls.get(uniqueid)
    if visit is None:
        visit = held.pop(uniqueid, None)
        if visit is not None:
            visit.outcome = visit.ended = visit.held_until = None
        else:
            visit = _Visit(line_no)
            visit.number_called = default_number
        open_calls[uniqueid] = visit
    return visit


def _apply(open_calls, held, uniqueid, line_no, epoch, queue, agent, event, data, default_number) -> _Visit | None:
    """Apply one event; return the call when it has ended for good."""
    if event == "ENTERQUEUE":
        visit = _visit(open_calls, held, uniqueid, line_no, default_number)
        if visit.offered is None:
            visit.offered = epoch
        visit.queue = queue
        if not visit.caller and len(data) > 1:
            visit.caller = data[1].strip()
        return None
    if event == "DID":
        visit = _visit(open_calls, held, uniqueid, line_no, default_number)
        visit.number_called = data[0].strip() if data and data[0].strip() else default_number
        return None
    if event == "CONNECT":
        holdtime = _number(data, 0, "等待时长 holdtime")
        visit = _visit(open_calls, held, uniqueid, line_no, default_number)
        if visit.answered is None:
            visit.answered = epoch
            if visit.offered is None:
                visit.offered = epoch - holdtime
            visit.queue, visit.agent = queue, agent
        return None
    if event in _COMPLETES or event in _TRANSFERS:
        if event in _COMPLETES:
            hold_at, talk_at = 0, 1
        elif event == "ATTENDEDTRANSFER" and data and data[0].strip() == "LINK":
            hold_at, talk_at = 3, 4
        else:
            hold_at, talk_at = 2, 3
        holdtime = _number(data, hold_at, "等待时长 holdtime")
        calltime = _number(data, talk_at, "通话时长 calltime")
        visit = _visit(open_calls, held, uniqueid, line_no, default_number)
        if visit.answered is None:
            visit.answered = epoch - calltime
            visit.queue, visit.agent = queue, agent
        if visit.offered is None:
            visit.offered = visit.answered - holdtime
        visit.outcome, visit.ended = CallOutcome.ANSWERED, epoch
        return open_calls.pop(uniqueid)
    if event in _END_FIELDS or event in ("JOINEMPTY", "JOINUNAVAIL"):
        outcome, wait_at = _END_FIELDS.get(event, (CallOutcome.EXIT_EMPTY, None))
        waittime = _number(data, wait_at, "等待时长 waittime", required=False) if wait_at is not None else 0
        visit = _visit(open_calls, held, uniqueid, line_no, default_number)
        if visit.answered is not None:
            raise _Invalid("通话已接通（CONNECT），不能再放弃或离开队列")
        if visit.offered is None:
            if waittime is None:
                raise _Invalid("没有 ENTERQUEUE 行也没有 waittime，无法知道进入队列的时间")
            visit.offered = epoch - waittime
        visit.queue = queue
        visit.outcome, visit.ended = outcome, epoch
        del open_calls[uniqueid]
        if outcome == CallOutcome.ABANDONED:
            return visit  # the caller hung up: nothing more can happen
        visit.held_until = epoch + REQUEUE_GRACE_SECONDS
        held[uniqueid] = visit
        return None
    return None  # RINGNOANSWER, RINGCANCELED, agent and member events: not about the call's outcome
