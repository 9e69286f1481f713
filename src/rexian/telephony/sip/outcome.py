"""What a probe call found out: the outcome vocabulary and the result record.

The outcome is what an evaluator reports (接通 answered, 忙 busy, 无人接听
no_answer, 空号 invalid_number ...); the SIP status, the Q.850 cause and the
ladder stay beside it so a disputed result can be checked by a telephony
engineer.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from enum import StrEnum


class Outcome(StrEnum):
    ANSWERED = "answered"  # 接通
    BUSY = "busy"  # 忙线
    NO_ANSWER = "no_answer"  # 无人接听
    INVALID_NUMBER = "invalid_number"  # 空号 / 号码错误
    UNAVAILABLE = "unavailable"  # 线路或服务不可用
    REJECTED = "rejected"  # 拒接
    AUTH_FAILED = "auth_failed"  # 中继鉴权失败
    TIMEOUT = "timeout"  # 无任何应答 (Timer B)
    UNREACHABLE = "unreachable"  # 网络不可达
    FAILED = "failed"  # 其他失败


_BY_STATUS = {
    486: Outcome.BUSY,
    600: Outcome.BUSY,
    404: Outcome.INVALID_NUMBER,
    410: Outcome.INVALID_NUMBER,
    484: Outcome.INVALID_NUMBER,
    485: Outcome.INVALID_NUMBER,
    604: Outcome.INVALID_NUMBER,
    408: Outcome.NO_ANSWER,
    480: Outcome.NO_ANSWER,
    487: Outcome.NO_ANSWER,  # only ever seen after our own CANCEL
    500: Outcome.UNAVAILABLE,  # a proxy relays a downstream 503 as 500 (RFC 3261 §16.7)
    502: Outcome.UNAVAILABLE,
    503: Outcome.UNAVAILABLE,
    504: Outcome.UNAVAILABLE,
    403: Outcome.REJECTED,
    603: Outcome.REJECTED,
    401: Outcome.AUTH_FAILED,  # reached only when we cannot (or can no longer) answer it
    407: Outcome.AUTH_FAILED,
}
_Q850 = re.compile(r"^\s*Q\.850\s*;(.*)$", re.I | re.S)
_CAUSE = re.compile(r"(?:^|;)\s*cause\s*=\s*(\d+)", re.I)
_TEXT = re.compile(r'(?:^|;)\s*text\s*=\s*"((?:[^"\\]|\\.)*)"', re.I)


def outcome_for_status(status: int) -> Outcome:
    """Map a final response to the INVITE onto an outcome."""
    if 200 <= status < 300:
        return Outcome.ANSWERED
    return _BY_STATUS.get(status, Outcome.FAILED)


def q850_cause(reason_values: list[str]) -> tuple[int, str | None] | None:
    """(cause, text) from ``Reason: Q.850;cause=17;text="User busy"`` (RFC 3326)."""
    for value in reason_values:
        match = _Q850.match(value)
        cause = _CAUSE.search(match.group(1)) if match else None
        if cause:
            text = _TEXT.search(match.group(1))
            return int(cause.group(1)), text.group(1) if text else None
    return None


@dataclass
class LadderEntry:
    """One message of the call flow: seconds since the first INVITE, direction, first line."""

    t: float
    direction: str  # "sent" or "received"
    first_line: str


@dataclass
class CallResult:
    target: str
    outcome: Outcome
    call_id: str
    final_status: int | None = None
    final_reason: str | None = None
    q850_cause: int | None = None
    q850_text: str | None = None
    seconds_to_first_response: float | None = None
    seconds_to_ringing: float | None = None
    seconds_to_answer: float | None = None
    seconds_connected: float | None = None
    ended_by: str | None = None  # "us" or "remote" once answered
    rtp_packets_in: int = 0
    rtp_bytes_in: int = 0
    rtp_packets_out: int = 0
    capture_file: str | None = None
    error: str | None = None
    ladder: list[LadderEntry] = field(default_factory=list)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["outcome"] = self.outcome.value
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)
