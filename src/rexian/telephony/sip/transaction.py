"""Client transactions (RFC 3261 §17.1) and the requests derived from them.

A transaction owns one request: it retransmits it over UDP (Timer A/E),
says when it has given up (Timer B/F), matches responses by top Via branch
plus CSeq method (§17.1.3), and acknowledges non-2xx final responses to an
INVITE itself, hop by hop with the INVITE's branch (§17.1.1.3).  A 2xx is
passed up: its ACK belongs to the dialog (§13.2.2.4).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable

from .message import SipMessage


def _derived_request(request: SipMessage, method: str, to: str) -> SipMessage:
    """CANCEL and non-2xx ACK: same Request-URI, top Via, Route, From, Call-ID, CSeq number."""
    derived = SipMessage(method=method, uri=request.uri)
    derived.add("Via", request.get_all("Via")[0])
    for route in request.get_all("Route"):
        derived.add("Route", route)
    derived.add("Max-Forwards", "70")
    derived.add("From", request.get("From") or "")
    derived.add("To", to)
    derived.add("Call-ID", request.call_id)
    derived.add("CSeq", f"{request.cseq[0]} {method}")
    return derived


def build_cancel(invite: SipMessage) -> SipMessage:
    """RFC 3261 §9.1: the To has no tag, exactly as in the INVITE."""
    return _derived_request(invite, "CANCEL", invite.get("To") or "")


def build_non2xx_ack(invite: SipMessage, response: SipMessage) -> SipMessage:
    """RFC 3261 §17.1.1.3: To (with tag) comes from the response."""
    return _derived_request(invite, "ACK", response.get("To") or "")


class ClientTransaction:
    def __init__(
        self, request: SipMessage, send: Callable[[SipMessage], None], t1: float, t2: float, reliable: bool
    ) -> None:
        self.request = request
        self.key = transaction_key(request)
        self.is_invite = request.method == "INVITE"
        self.provisional: SipMessage | None = None
        self.final: SipMessage | None = None
        self._send = send
        self._t1, self._t2 = t1, t2
        self._reliable = reliable
        self._ack: SipMessage | None = None
        self._started = time.monotonic()
        self._retransmitter: asyncio.Task | None = None

    def start(self) -> None:
        self._started = time.monotonic()
        self._send(self.request)
        if not self._reliable:
            self._retransmitter = asyncio.create_task(self._retransmit())

    async def _retransmit(self) -> None:
        """Timer A (INVITE: T1, 2T1, 4T1...) or Timer E (non-INVITE: capped at T2), until Timer B/F.

        Sends are scheduled from the start time, so a busy event loop delays
        one retransmission without shifting all later ones.
        """
        due, interval = self._started, self._t1
        while (due := due + interval) < self._started + 64 * self._t1:
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            if self.final is not None or (self.is_invite and self.provisional is not None):
                return
            self._send(self.request)
            interval = 2 * interval if self.is_invite else min(2 * interval, self._t2)
            if self.provisional is not None:
                interval = self._t2  # §17.1.2.2: Proceeding state retransmits every T2

    @property
    def timer_deadline(self) -> float:
        """When Timer B (INVITE, until any response) or F (non-INVITE, until a final one) fires."""
        if self.final is not None or (self.is_invite and self.provisional is not None):
            return math.inf
        return self._started + 64 * self._t1

    def receive(self, response: SipMessage) -> bool:
        """Take a matched response; True if the user agent core should see it.

        Retransmitted non-2xx finals are absorbed here (and ACKed again);
        2xx retransmissions go up because only the dialog can ACK them.
        """
        status = response.status or 0
        if status < 200:
            if self.final is None:
                self.provisional = response
            return self.final is None
        if self.final is not None and not (self.is_invite and 200 <= status < 300):
            if self._ack is not None:
                self._send(self._ack)
            return False
        if self.final is None:
            self.final = response
            self.stop()
            if self.is_invite and status >= 300:
                self._ack = build_non2xx_ack(self.request, response)
                self._send(self._ack)
        return True

    def stop(self) -> None:
        if self._retransmitter is not None:
            self._retransmitter.cancel()


def transaction_key(message: SipMessage) -> tuple[str, str]:
    """Top Via branch + CSeq method: CANCEL shares the INVITE's branch but not its key."""
    return message.top_via.branch or "", message.cseq[1]
