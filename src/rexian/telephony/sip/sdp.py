"""The SDP offer we send and the parts of the answer we use (RFC 4566, RFC 3264).

We offer one audio stream with PCMA and PCMU only: every PSTN gateway in China
speaks G.711, and a codec we cannot decode would make the capture useless.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from .g711 import PCMA, PCMU

OFFERED_PAYLOADS = (PCMA, PCMU)


def _number(text: str) -> bool:
    """ASCII digits only: str.isdigit() also accepts ² or ٣, which int() then refuses or reads."""
    return text.isascii() and text.isdigit()


def _address_type(ip: str) -> str:
    return "IP6" if ipaddress.ip_address(ip).version == 6 else "IP4"


def build_offer(ip: str, port: int, session_id: int) -> bytes:
    kind = _address_type(ip)
    lines = [
        "v=0",
        f"o=rexian {session_id} {session_id} IN {kind} {ip}",
        "s=rexian probe",
        f"c=IN {kind} {ip}",
        "t=0 0",
        f"m=audio {port} RTP/AVP {' '.join(str(p) for p in OFFERED_PAYLOADS)}",
        f"a=rtpmap:{PCMA} PCMA/8000",
        f"a=rtpmap:{PCMU} PCMU/8000",
        "a=ptime:20",
        "a=sendrecv",
    ]
    return ("\r\n".join(lines) + "\r\n").encode()


@dataclass(frozen=True)
class MediaAnswer:
    host: str
    port: int
    payload_type: int


def parse_answer(body: bytes) -> MediaAnswer | None:
    """Where to send audio and in which of our codecs; None when unusable.

    The first audio stream counts; its own c= line overrides the session's,
    and port 0 means the stream was rejected.
    """
    hosts: dict[str, str] = {}
    section = "session"
    port, payloads = 0, []
    for raw in body.decode("utf-8", errors="replace").splitlines():
        line = raw.strip()
        if line.startswith("m="):
            if section == "audio":
                break
            section = "audio" if line.startswith("m=audio ") else "other"
            if section == "audio":
                fields = line[2:].split()
                if len(fields) < 4 or not _number(fields[1].split("/")[0]):
                    return None
                port = int(fields[1].split("/")[0])
                payloads = [int(p) for p in fields[3:] if _number(p)]
        elif line.startswith("c=") and section != "other":
            fields = line[2:].split()
            if len(fields) >= 3:
                hosts[section] = fields[2].split("/")[0]
    host = hosts.get("audio", hosts.get("session"))
    chosen = next((p for p in payloads if p in OFFERED_PAYLOADS), None)
    if host is None or port == 0 or chosen is None:
        return None
    return MediaAnswer(host, port, chosen)
