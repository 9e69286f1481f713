"""Twelve calls on Monday 3 March 2025, with waits chosen by hand (see docs/callcentre.md).

| call | offered (local) | queue   | outcome    | wait   | talk |
|------|-----------------|---------|------------|--------|------|
| c01  | 08:00:00        | main    | answered   | 5      | 120  |
| c02  | 08:01:00        | main    | answered   | 15     | 200  |
| c03  | 08:02:00        | main    | answered   | 16     | 100  |
| c04  | 08:10:00        | main    | answered   | 30     | 60   |
| c05  | 08:20:00        | main    | abandoned  | 3      |      |
| c06  | 08:25:00        | main    | abandoned  | 10     |      |
| c07  | 08:40:00        | main    | abandoned  | 40     |      |
| c08  | 08:45:00        | main    | answered   | 0      | 90   |
| c09  | 09:05:00        | main    | answered   | 14.2→15| 180  |
| c10  | 09:10:00        | english | timeout    | 60     |      |
| c11  | 09:30:00        | english | answered   | 4      | 30   |
| c12  | 09:40:00        | english | abandoned  | 4.5→5  |      |

Hand-computed (threshold 15 s, no short-abandon limit): offered 12, answered 7,
abandoned 4, answered within 15 s 5 (c01 c02 c08 c09 c11), abandoned within
15 s 3 (c05 c06 c12); ASA 85/7, AHT 780/7. With a 5 s short-abandon limit
only c05 (3 s) is left out: c12's 4.5 s counts as 5 s (rounded up).
"""

import math
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo


SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = "2025-03-03"

# call_id, offered, queue, outcome, wait (s), talk (s)
CALLS = [
    ("c01", "08:00:00", "main", "answered", 5, 120),
    ("c02", "08:01:00", "main", "answered", 15, 200),
    ("c03", "08:02:00", "main", "answered", 16, 100),
    ("c04", "08:10:00", "main", "answered", 30, 60),
    ("c05", "08:20:00", "main", "abandoned", 3, None),
    ("c06", "08:25:00", "main", "abandoned", 10, None),
    ("c07", "08:40:00", "main", "abandoned", 40, None),
    ("c08", "08:45:00", "main", "answered", 0, 90),
    ("c09", "09:05:00", "main", "answered", 14.2, 180),
    ("c10", "09:10:00", "english", "timeout", 60, None),
    ("c11", "09:30:00", "english", "answered", 4, 30),
    ("c12", "09:40:00", "english", "abandoned", 4.5, None),
]
CSV_HEADER = "call_id,number_called,caller,queue,offered_at,answered_at,abandoned_at,ended_at,agent\n"


def local(clock: str, day: str = DAY) -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=SHANGHAI)


def iso(moment: datetime | None) -> str:
    return "" if moment is None else moment.replace(tzinfo=None).isoformat()


def csv_row(call_id, offered: datetime, outcome, wait, talk, queue="main", number="12345", caller="138-0013-8000"):
    answered = abandoned = ended = None
    if outcome == "answered":
        answered = offered + timedelta(seconds=wait)
        ended = answered + timedelta(seconds=talk) if talk is not None else None
    elif outcome == "abandoned":
        abandoned = ended = offered + timedelta(seconds=wait)
    else:
        ended = offered + timedelta(seconds=wait)
    agent = "8001" if answered else ""
    return f"{call_id},{number},{caller},{queue},{iso(offered)},{iso(answered)},{iso(abandoned)},{iso(ended)},{agent}\n"


def twelve_csv() -> str:
    return CSV_HEADER + "".join(
        csv_row(call_id, local(clock), outcome, wait, talk, queue) for call_id, clock, queue, outcome, wait, talk in CALLS
    )


def twelve_queue_log() -> str:
    """The same calls as Asterisk writes them (whole seconds: c09 waits 15 s, c12 5 s)."""
    lines = [f"{int(local('07:00:00').timestamp())}|NONE|NONE|NONE|QUEUESTART|"]
    for number, (call_id, clock, queue, outcome, wait, talk) in enumerate(CALLS, start=1):
        start = int(local(clock).timestamp())
        wait = math.ceil(wait)  # whole seconds, up
        uid = f"1741000000.{number}"
        lines.append(f"{start}|{uid}|{queue}|NONE|DID|12345")
        lines.append(f"{start}|{uid}|{queue}|NONE|ENTERQUEUE||13800138000|1")
        if outcome == "answered":
            lines.append(f"{start + 1}|{uid}|{queue}|SIP/8002|RINGNOANSWER|1000")
            lines.append(f"{start + wait}|{uid}|{queue}|SIP/8001|CONNECT|{wait}|1741000000.{number + 100}|2")
            lines.append(f"{start + wait + talk}|{uid}|{queue}|SIP/8001|COMPLETECALLER|{wait}|{talk}|1")
        elif outcome == "abandoned":
            lines.append(f"{start + wait}|{uid}|{queue}|NONE|ABANDON|1|1|{wait}")
        else:
            lines.append(f"{start + wait}|{uid}|{queue}|NONE|EXITWITHTIMEOUT|1|1|{wait}")
    lines.sort(key=lambda line: int(line.split("|")[0]))
    return "\n".join(lines) + "\n"
