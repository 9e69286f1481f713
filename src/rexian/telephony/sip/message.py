"""SIP messages (RFC 3261 §7, §20): parsing datagrams and serialising requests.

Only what a user agent client needs: the start line, an ordered header list
(compact names expanded, folded lines joined, comma lists split for the
headers whose grammar allows it) and the body sized by Content-Length.
Headers keep their order because Via, Route and Record-Route are ordered sets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .uri import format_params, parse_hostport, split_params

SIP_VERSION = "SIP/2.0"

# RFC 3261 §7.3.3 and later RFCs' one-letter forms, mapped to the long names we use.
_COMPACT_NAMES = {
    "v": "Via",
    "f": "From",
    "t": "To",
    "i": "Call-ID",
    "m": "Contact",
    "l": "Content-Length",
    "c": "Content-Type",
    "k": "Supported",
    "e": "Content-Encoding",
    "s": "Subject",
}
# Headers whose values may be comma-joined on one line (RFC 3261 §7.3.1);
# authentication headers are not among them: their values contain commas.
_LIST_HEADERS = {"via", "route", "record-route", "contact", "reason", "allow", "supported", "require"}
_LINE_BREAK = re.compile(r"\r?\n")
_NAME_ADDR = re.compile(r'^\s*(?:"((?:[^"\\]|\\.)*)"|([^<"]*?))\s*<([^>]*)>(.*)$', re.S)


class SipParseError(ValueError):
    """The bytes are not a SIP message this parser accepts."""


def split_header_list(value: str) -> list[str]:
    """Split at commas that are outside quotes and angle brackets."""
    items, current, quoted, angled, escaped = [], [], False, False, False
    for char in value:
        if escaped:
            escaped = False
        elif quoted and char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif not quoted and char in "<>":
            angled = char == "<"
        elif char == "," and not quoted and not angled:
            items.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    items.append("".join(current).strip())
    return [item for item in items if item]


@dataclass(frozen=True)
class NameAddr:
    """``"Display" <uri>;param=value`` as in From, To, Contact, Route."""

    display: str
    uri: str
    params: dict[str, str | None] = field(default_factory=dict)

    @classmethod
    def parse(cls, value: str) -> NameAddr:
        match = _NAME_ADDR.match(value)
        if match:
            display = match.group(1) if match.group(1) is not None else match.group(2).strip()
            return cls(display, match.group(3).strip(), split_params(match.group(4)))
        uri, _, params = value.strip().partition(";")
        if not uri:
            raise SipParseError(f"empty address: {value!r}")
        return cls("", uri, split_params(params))

    @property
    def tag(self) -> str | None:
        return self.params.get("tag")

    def __str__(self) -> str:
        display = f'"{self.display}" ' if self.display else ""
        return f"{display}<{self.uri}>{format_params(self.params)}"


@dataclass(frozen=True)
class Via:
    transport: str
    host: str
    port: int | None
    params: dict[str, str | None]

    @classmethod
    def parse(cls, value: str) -> Via:
        protocol, _, rest = value.strip().partition(" ")
        parts = [p.strip() for p in protocol.split("/")]
        if len(parts) != 3 or f"{parts[0]}/{parts[1]}".upper() != SIP_VERSION:
            raise SipParseError(f"bad Via: {value!r}")
        sent_by, _, params = rest.strip().partition(";")
        try:
            host, port = parse_hostport(sent_by, default_port=None)
        except ValueError as exc:
            raise SipParseError(f"bad Via sent-by: {value!r}") from exc
        return cls(parts[2].upper(), host, port, split_params(params))

    @property
    def branch(self) -> str | None:
        return self.params.get("branch")


def canonical_name(name: str) -> str:
    name = name.strip()
    return _COMPACT_NAMES.get(name.lower(), name) if len(name) == 1 else name


@dataclass
class SipMessage:
    """A request (method and uri set) or a response (status set)."""

    method: str | None = None
    uri: str | None = None
    status: int | None = None
    reason: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    @property
    def is_request(self) -> bool:
        return self.method is not None

    @property
    def first_line(self) -> str:
        if self.is_request:
            return f"{self.method} {self.uri} {SIP_VERSION}"
        return f"{SIP_VERSION} {self.status} {self.reason}"

    def get_all(self, name: str) -> list[str]:
        wanted = canonical_name(name).lower()
        values = [v for n, v in self.headers if n.lower() == wanted]
        if wanted in _LIST_HEADERS:
            return [item for value in values for item in split_header_list(value)]
        return values

    def get(self, name: str) -> str | None:
        values = self.get_all(name)
        return values[0] if values else None

    def add(self, name: str, value: str) -> None:
        self.headers.append((name, value))

    def set(self, name: str, value: str) -> None:
        """Replace every header of that name, keeping the first one's position."""
        wanted = canonical_name(name).lower()
        position = next((i for i, (n, _) in enumerate(self.headers) if n.lower() == wanted), None)
        self.remove(name)
        self.headers.insert(len(self.headers) if position is None else position, (name, value))

    def remove(self, name: str) -> None:
        wanted = canonical_name(name).lower()
        self.headers = [(n, v) for n, v in self.headers if n.lower() != wanted]

    @property
    def call_id(self) -> str:
        return self.get("Call-ID") or ""

    @property
    def cseq(self) -> tuple[int, str]:
        number, _, method = (self.get("CSeq") or "").strip().partition(" ")
        try:
            return int(number), method.strip().upper()
        except ValueError as exc:
            raise SipParseError(f"bad CSeq: {self.get('CSeq')!r}") from exc

    @property
    def top_via(self) -> Via:
        value = self.get("Via")
        if value is None:
            raise SipParseError("no Via")
        return Via.parse(value)

    def to_bytes(self) -> bytes:
        lines = [self.first_line]
        lines += [f"{n}: {v}" for n, v in self.headers if n.lower() != "content-length"]
        lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + self.body

    @classmethod
    def parse(cls, data: bytes) -> SipMessage:
        head, sep, body = data.partition(b"\r\n\r\n")
        if not sep:
            head, sep, body = data.partition(b"\n\n")
        lines = _LINE_BREAK.split(head.decode("utf-8", errors="replace").lstrip("\r\n"))
        message = _parse_start_line(lines[0])
        for line in lines[1:]:
            if line[:1] in (" ", "\t") and message.headers:  # folded continuation
                name, value = message.headers[-1]
                message.headers[-1] = (name, f"{value} {line.strip()}")
                continue
            name, colon, value = line.partition(":")
            if not colon or not name.strip():
                raise SipParseError(f"bad header line: {line!r}")
            message.headers.append((canonical_name(name), value.strip()))
        length = message.get("Content-Length")
        if length is not None:
            try:
                size = int(length)
            except ValueError as exc:
                raise SipParseError(f"bad Content-Length: {length!r}") from exc
            if size > len(body):
                raise SipParseError("body shorter than Content-Length")
            body = body[:size]
        message.body = body
        return message


def _parse_start_line(line: str) -> SipMessage:
    if line.startswith(SIP_VERSION + " "):
        _, status, reason = (line.split(" ", 2) + [""])[:3]
        if not (status.isascii() and status.isdigit() and len(status) == 3):
            raise SipParseError(f"bad status line: {line!r}")
        return SipMessage(status=int(status), reason=reason.strip())
    parts = line.split(" ")
    if len(parts) != 3 or parts[2] != SIP_VERSION or not parts[0].isalpha():
        raise SipParseError(f"bad request line: {line!r}")
    return SipMessage(method=parts[0].upper(), uri=parts[1])


def build_response(request: SipMessage, status: int, reason: str, to_tag: str | None = None) -> SipMessage:
    """A response to ``request`` as RFC 3261 §8.2.6.2 requires (Vias, From, To, Call-ID, CSeq)."""
    response = SipMessage(status=status, reason=reason)
    for name in ("Via", "From", "To", "Call-ID", "CSeq"):
        for value in request.get_all(name):
            response.add(name, value)
    to = response.get("To")
    if to_tag and to is not None and NameAddr.parse(to).tag is None:
        response.set("To", f"{to};tag={to_tag}")
    return response
