"""What one probe call is told to do, validated before any packet leaves.

Every limit here is a safety bound: a misconfigured batch must not ring a
citizen-facing hotline for an hour or hammer a trunk with retransmissions.
"""

from __future__ import annotations

from dataclasses import dataclass

from .uri import DEFAULT_PORT, SipUri, parse_hostport

MAX_RING_TIMEOUT = 300.0
MAX_HOLD = 3600.0
TRANSPORTS = ("udp", "tcp")


@dataclass(frozen=True)
class ProbeConfig:
    target: str  # SIP URI of the line to call, e.g. sip:12345@trunk.example.cn
    ring_timeout: float = 30.0  # seconds from the first INVITE until we CANCEL
    hold: float = 5.0  # seconds to stay connected once answered, then BYE
    auth_user: str | None = None
    password: str | None = None
    proxy: str | None = None  # outbound proxy "host[:port]": every packet goes there
    local_ip: str | None = None  # bind to this address (and advertise it)
    transport: str | None = None  # udp or tcp; default from the URI's transport parameter
    from_user: str | None = None  # caller number / user in From and Contact
    from_domain: str | None = None  # host part of From; default the target's host
    capture: str | None = None  # write received audio to this WAV file
    send_rtp: bool = True  # send 20 ms silence frames while connected
    t1: float = 0.5  # RFC 3261 T1 (RTT estimate); Timer B = 64*T1
    t2: float = 4.0  # RFC 3261 T2 (cap of non-INVITE retransmission interval)

    def __post_init__(self) -> None:
        uri = self.uri  # raises ValueError on a malformed URI
        if uri.scheme != "sip":
            raise ValueError("only sip: URIs are supported (no TLS transport)")
        if not 0 < self.ring_timeout <= MAX_RING_TIMEOUT:
            raise ValueError(f"ring timeout must be in (0, {MAX_RING_TIMEOUT:g}] seconds")
        if not 0 <= self.hold <= MAX_HOLD:
            raise ValueError(f"hold must be in [0, {MAX_HOLD:g}] seconds")
        if not (0 < self.t1 <= 5 and self.t1 <= self.t2 <= 60):
            raise ValueError("timers must satisfy 0 < T1 <= 5 and T1 <= T2 <= 60 seconds")
        if self.transport_name not in TRANSPORTS:
            raise ValueError(f"transport must be one of {', '.join(TRANSPORTS)}")
        if bool(self.auth_user) != (self.password is not None):
            raise ValueError("digest credentials need both a user and a password")
        if self.proxy is not None:
            parse_hostport(self.proxy)

    @property
    def uri(self) -> SipUri:
        return SipUri.parse(self.target)

    @property
    def transport_name(self) -> str:
        return (self.transport or self.uri.transport).lower()

    @property
    def timer_b(self) -> float:
        return 64 * self.t1

    def next_hop(self) -> tuple[str, int]:
        """The only address this call sends SIP to: the proxy, else the URI's host:port.

        No DNS SRV/NAPTR: the operator names the exact host and port.
        """
        if self.proxy is not None:
            host, port = parse_hostport(self.proxy)
            return host.strip("[]"), port or DEFAULT_PORT
        uri = self.uri
        return uri.host_ip_literal, uri.port or DEFAULT_PORT
