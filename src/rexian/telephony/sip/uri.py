"""SIP URIs (RFC 3261 §19.1), parsed only as far as a caller needs them.

The prober dials exactly the host and port written in the URI it is given
(or its outbound proxy), so the parser must be strict about host and port and
must never guess: no DNS SRV/NAPTR, no default domain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

DEFAULT_PORT = 5060
_HOSTPORT = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::(\d{1,5}))?$")


def split_params(text: str) -> dict[str, str | None]:
    """``;a=1;lr`` -> ``{"a": "1", "lr": None}`` (names lower-cased)."""
    params: dict[str, str | None] = {}
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue
        name, sep, value = part.partition("=")
        params[name.strip().lower()] = value.strip() if sep else None
    return params


def format_params(params: dict[str, str | None]) -> str:
    return "".join(f";{k}" if v is None else f";{k}={v}" for k, v in params.items())


def parse_hostport(text: str, default_port: int | None = DEFAULT_PORT) -> tuple[str, int | None]:
    """``host[:port]`` with IPv6 in brackets; raises ValueError on anything else."""
    match = _HOSTPORT.match(text.strip())
    if not match:
        raise ValueError(f"not a host[:port]: {text!r}")
    host, port = match.group(1), match.group(2)
    if port is None:
        return host, default_port
    number = int(port)
    if not 0 < number < 65536:
        raise ValueError(f"port out of range: {text!r}")
    return host, number


@dataclass(frozen=True)
class SipUri:
    scheme: str
    user: str | None
    host: str
    port: int | None
    params: dict[str, str | None] = field(default_factory=dict)
    headers: str = ""

    @classmethod
    def parse(cls, text: str) -> SipUri:
        text = text.strip()
        scheme, sep, rest = text.partition(":")
        scheme = scheme.lower()
        if not sep or scheme not in ("sip", "sips"):
            raise ValueError(f"not a sip: URI: {text!r}")
        rest, _, headers = rest.partition("?")
        userinfo, at, hostpart = rest.rpartition("@")
        user = userinfo.split(":", 1)[0] if at else None
        hostport, _, params = hostpart.partition(";")
        host, port = parse_hostport(hostport, default_port=None)
        return cls(scheme, user or None, host, port, split_params(params), headers)

    @property
    def transport(self) -> str:
        return (self.params.get("transport") or "udp").lower()

    @property
    def host_ip_literal(self) -> str:
        """The host without IPv6 brackets, as socket functions want it."""
        return self.host.strip("[]")

    def __str__(self) -> str:
        user = f"{self.user}@" if self.user else ""
        port = f":{self.port}" if self.port else ""
        headers = f"?{self.headers}" if self.headers else ""
        return f"{self.scheme}:{user}{self.host}{port}{format_params(self.params)}{headers}"
