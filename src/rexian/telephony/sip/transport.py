"""SIP over UDP or TCP to one fixed peer (RFC 3261 §18).

The socket is connected to the next hop, so the kernel drops datagrams from
anyone else and reports ICMP "port unreachable" to us (a connected UDP socket
is the only kind Linux delivers those errors to): that is how a dead line is
told apart from a silent one.
"""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import Callable

_CONTENT_LENGTH = re.compile(rb"^(?:content-length|l)[ \t]*:[ \t]*(\d+)", re.I | re.M)
_MAX_HEAD = 65536  # a TCP peer that sends more header than this is not speaking SIP

OnMessage = Callable[[bytes], None]
OnError = Callable[[Exception], None]


class SipTransport:
    """One connected socket; ``reliable`` tells the transaction layer whether to retransmit."""

    def __init__(self, name: str, transport: asyncio.BaseTransport) -> None:
        self.name = name  # "UDP" or "TCP", as written in Via
        self.reliable = name == "TCP"
        self._transport = transport

    @property
    def local_address(self) -> tuple[str, int]:
        host, port = self._transport.get_extra_info("sockname")[:2]
        return host, port

    def send(self, data: bytes) -> None:
        if self._transport.is_closing():
            return
        if self.reliable:
            self._transport.write(data)
        else:
            self._transport.sendto(data)

    def close(self) -> None:
        self._transport.close()


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, on_message: OnMessage, on_error: OnError) -> None:
        self.on_message, self.on_error = on_message, on_error

    def datagram_received(self, data: bytes, addr: tuple) -> None:
        self.on_message(data)

    def error_received(self, exc: Exception) -> None:
        self.on_error(exc)


class _Stream(asyncio.Protocol):
    """Cuts a TCP byte stream into messages using Content-Length (RFC 3261 §18.3)."""

    def __init__(self, on_message: OnMessage, on_error: OnError) -> None:
        self.on_message, self.on_error = on_message, on_error
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            self.buffer = self.buffer.lstrip(b"\r\n")  # keep-alive CRLFs
            head_end = self.buffer.find(b"\r\n\r\n")
            if head_end < 0:
                if len(self.buffer) > _MAX_HEAD:
                    self.on_error(ConnectionError("oversized SIP header on TCP"))
                    self.buffer = b""
                return
            match = _CONTENT_LENGTH.search(self.buffer[:head_end])
            end = head_end + 4 + (int(match.group(1)) if match else 0)
            if len(self.buffer) < end:
                return
            message, self.buffer = self.buffer[:end], self.buffer[end:]
            self.on_message(message)

    def connection_lost(self, exc: Exception | None) -> None:
        self.on_error(exc or ConnectionResetError("TCP connection closed by peer"))


async def open_transport(
    name: str,
    host: str,
    port: int,
    local_ip: str | None,
    on_message: OnMessage,
    on_error: OnError,
    timeout: float,
) -> SipTransport:
    """Resolve host (A/AAAA only), connect, and return the transport.

    Raises OSError (including socket.gaierror) or TimeoutError: for the
    caller those all mean "unreachable".
    """
    loop = asyncio.get_running_loop()
    kind = socket.SOCK_DGRAM if name == "udp" else socket.SOCK_STREAM
    family = socket.AF_UNSPEC
    if local_ip is not None:
        family = socket.AF_INET6 if ":" in local_ip else socket.AF_INET
    async with asyncio.timeout(timeout):
        try:
            infos = await loop.getaddrinfo(host, port, family=family, type=kind)
        except UnicodeError as exc:  # the IDNA codec rejects the name before any lookup
            raise socket.gaierror(f"invalid host name {host!r}") from exc
        family, _, _, _, address = infos[0]
        local = (local_ip, 0) if local_ip is not None else None
        if name == "udp":
            transport, _ = await loop.create_datagram_endpoint(
                lambda: _Datagrams(on_message, on_error),
                remote_addr=address[:2], local_addr=local, family=family,
            )
            return SipTransport("UDP", transport)
        transport, _ = await loop.create_connection(
            lambda: _Stream(on_message, on_error),
            host=address[0], port=address[1], local_addr=local, family=family,
        )
        return SipTransport("TCP", transport)
