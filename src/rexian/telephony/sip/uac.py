"""One probe call from first INVITE to last BYE (拨测一通电话).

INVITE with an SDP offer; answer a digest challenge; wait through 100/18x;
CANCEL once the ring timeout has passed; on a 2xx, ACK it along the dialog's
route set, keep the line up with RTP flowing for the hold time and BYE.
Every wait has a deadline (Timer B, the ring timeout, the CANCEL's Timer F,
the hold time, the BYE's Timer F), so a call always ends on its own.

All SIP goes to ``ProbeConfig.next_hop()`` and nowhere else: in-dialog
requests carry the Request-URI and Route headers RFC 3261 prescribes, so the
far end routes them, but the prober never follows a Contact or Record-Route
to another address.  That is also how an outbound proxy is used.
"""

from __future__ import annotations

import asyncio
import math
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from .config import ProbeConfig
from .dialog import Dialog
from .digest import CHALLENGE_HEADERS, Challenge, authorization, choose_challenge
from .message import NameAddr, SipMessage, SipParseError, build_response
from .outcome import CallResult, LadderEntry, Outcome, outcome_for_status, q850_cause
from .rtp import RtpSession
from .sdp import MediaAnswer, build_offer, parse_answer
from .transaction import ClientTransaction, build_cancel, transaction_key
from .transport import SipTransport, open_transport

USER_AGENT = "Rexian-Prober/1"
ALLOW = "INVITE, ACK, CANCEL, BYE, OPTIONS"
_MAX_ATTEMPTS = 3  # first try, the answer to a challenge, one more after a stale nonce
_REASONS = {200: "OK", 481: "Call/Transaction Does Not Exist", 501: "Not Implemented"}


@dataclass(frozen=True)
class _Event:
    """Something that happened on the signalling socket, queued for the call flow."""

    message: SipMessage | None = None
    transaction: ClientTransaction | None = None
    error: Exception | None = None


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _hostport(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


async def probe_call(config: ProbeConfig) -> CallResult:
    """Place one call as ``config`` says and report what happened."""
    call = _ProbeCall(config)
    try:
        await call.place()
    except asyncio.CancelledError:
        call.abandon()
        raise
    finally:
        await call.close()
    return call.result


class _ProbeCall:
    def __init__(self, config: ProbeConfig) -> None:
        self.config = config
        self.call_id = secrets.token_hex(16)
        self.local_tag = secrets.token_hex(8)
        self.result = CallResult(target=config.target, outcome=Outcome.FAILED, call_id=self.call_id)
        self.transport: SipTransport | None = None
        self.rtp: RtpSession | None = None
        self.invite: SipMessage | None = None
        self._invite_tx: ClientTransaction | None = None
        self.dialog: Dialog | None = None
        self._events: asyncio.Queue[_Event] = asyncio.Queue()
        self._transactions: dict[tuple[str, str], ClientTransaction] = {}
        self._challenges: dict[str, Challenge] = {}  # credentials header -> challenge it answers
        self._nonce_uses: dict[str, int] = {}
        self._cseq = 0
        self._t0: float | None = None
        self._cancel: ClientTransaction | None = None
        self._ack: SipMessage | None = None
        self._early_media: MediaAnswer | None = None
        self._offer = b""

    # -- the call flow ---------------------------------------------------

    async def place(self) -> None:
        host, port = self.config.next_hop()
        try:
            self.transport = await open_transport(
                self.config.transport_name, host, port, self.config.local_ip,
                self._on_bytes, self._on_error, timeout=self.config.timer_b,
            )
        except (OSError, TimeoutError) as exc:
            self._give_up(Outcome.UNREACHABLE, _describe(exc))
            return
        local_ip = self.transport.local_address[0]
        self.rtp = await RtpSession.open(local_ip, capture=self.config.capture is not None)
        self._offer = build_offer(local_ip, self.rtp.port, secrets.randbelow(2**31))
        final = await self._request_with_credentials(self._new_invite, self._await_invite_final)
        if final is None:
            return  # _await_invite_final has recorded why
        self.result.final_status, self.result.final_reason = final.status, final.reason
        self.result.outcome = outcome_for_status(final.status or 0)
        self._note_q850(final)
        if self.result.outcome is Outcome.ANSWERED:
            await self._talk(final)

    async def _request_with_credentials(
        self,
        build: Callable[[], SipMessage],
        wait: Callable[[ClientTransaction], Awaitable[SipMessage | None]],
    ) -> SipMessage | None:
        """Send a request, and again with credentials after a 401/407 we can answer."""
        final = None
        for _ in range(_MAX_ATTEMPTS):
            request = build()
            self._add_credentials(request)
            final = await wait(self._start_transaction(request))
            if (
                final is None
                or final.status not in CHALLENGE_HEADERS
                or self._cancel is not None
                or not self._remember_challenge(final, request)
            ):
                break
        return final

    async def _await_invite_final(self, tx: ClientTransaction) -> SipMessage | None:
        """Wait for the INVITE's final response, cancelling at the ring timeout.

        RFC 3261 §9.1 forbids a CANCEL before any provisional response, so a
        ring timeout that passes in silence waits for the first 1xx (then
        cancels) or for Timer B.
        """
        self.invite, self._invite_tx = tx.request, tx
        ring_deadline = self._t0 + self.config.ring_timeout  # _t0: when the first INVITE went out
        ring_passed = False
        cancel_deadline = math.inf
        while True:
            event = await self._next_event(
                min(tx.timer_deadline, cancel_deadline, math.inf if ring_passed else ring_deadline)
            )
            if event is None:
                now = time.monotonic()
                if now >= tx.timer_deadline:
                    return self._give_up(Outcome.TIMEOUT, "no response to INVITE before Timer B")
                if now >= cancel_deadline:
                    return self._give_up(Outcome.NO_ANSWER, "no final response after CANCEL")
                ring_passed = True
            elif event.error is not None:
                if self.result.seconds_to_first_response is None:
                    return self._give_up(Outcome.UNREACHABLE, _describe(event.error))
            elif event.message.is_request:
                self._answer_request(event.message)
            elif event.transaction is tx:
                self._note_invite_response(event.message)
                if (event.message.status or 0) >= 200:
                    return event.message
            if ring_passed and self._cancel is None and tx.provisional is not None:
                self._cancel = self._start_transaction(build_cancel(tx.request))
                cancel_deadline = time.monotonic() + self.config.timer_b

    async def _talk(self, ok: SipMessage) -> None:
        """ACK the 2xx, keep the call up with RTP for the hold time, then BYE."""
        self.dialog = Dialog.from_2xx(self.invite, ok)
        self._ack = self._stamp(self.dialog.request("ACK", self.invite.cseq[0]))
        for header in (h for _, h in CHALLENGE_HEADERS.values() if self.invite.get(h)):
            self._ack.add(header, self.invite.get(header))  # §13.2.2.4: same credentials as the INVITE
        self._send(self._ack)
        hold = 0.0 if self._cancel is not None else self.config.hold  # answered as we gave up: leave
        media = parse_answer(ok.body) or self._early_media
        if media is not None and self.config.send_rtp:
            self.rtp.start_sending(media.host, media.port, media.payload_type, hold)
        connected = time.monotonic()
        while (event := await self._next_event(connected + hold)) is not None:
            if self._handle_in_call(event):
                self.result.ended_by = "remote"
                break
        self.result.seconds_connected = round(time.monotonic() - connected, 3)
        if self.result.ended_by is None:
            self.result.ended_by = "us"
            await self._request_with_credentials(self._new_bye, self._await_final)

    async def _await_final(self, tx: ClientTransaction) -> SipMessage | None:
        """A non-INVITE request's final response, or None at Timer F."""
        while (event := await self._next_event(tx.timer_deadline)) is not None:
            if event.transaction is tx and (event.message.status or 0) >= 200:
                return event.message
            self._handle_in_call(event)
        return None

    def _handle_in_call(self, event: _Event) -> bool:
        """Answer the far end while connected; True when it hung up."""
        if event.message is None:
            return False  # a late ICMP error: the call is up, nothing to do
        if event.message.is_request:
            return self._answer_request(event.message)
        response = event.message
        same_dialog = NameAddr.parse(response.get("To") or "").tag == self.dialog.remote_tag
        if response.cseq[1] == "INVITE" and 200 <= (response.status or 0) < 300 and same_dialog:
            self._send(self._ack)  # our ACK was lost and the 2xx retransmitted (other forks' 2xx are ignored)
        return False

    def _answer_request(self, request: SipMessage) -> bool:
        """Respond to a request from the far end; True if it was a BYE for our call."""
        if request.method == "ACK":
            return False
        if request.call_id != self.call_id:
            status = 481
        elif request.method == "BYE":
            status = 200 if self.dialog is not None and self.dialog.owns(request) else 481
        else:
            status = 200 if request.method == "OPTIONS" else 501
        self._send(build_response(request, status, _REASONS[status], to_tag=self.local_tag))
        if request.method == "BYE" and status == 200:
            self._note_q850(request)
            return True
        return False

    # -- building requests -----------------------------------------------

    def _new_invite(self) -> SipMessage:
        self._cseq += 1
        uri = self.config.target.strip()
        host, port = self.transport.local_address
        user = self.config.from_user or self.config.auth_user or "rexian"
        domain = self.config.from_domain or self.config.uri.host
        transport_param = ";transport=tcp" if self.transport.reliable else ""
        invite = SipMessage(method="INVITE", uri=uri)
        invite.add("Max-Forwards", "70")
        invite.add("From", f"<sip:{user}@{domain}>;tag={self.local_tag}")
        invite.add("To", f"<{uri}>")
        invite.add("Call-ID", self.call_id)
        invite.add("CSeq", f"{self._cseq} INVITE")
        invite.add("Contact", f"<sip:{user}@{_hostport(host, port)}{transport_param}>")
        invite.add("Allow", ALLOW)
        invite.add("Content-Type", "application/sdp")
        invite.body = self._offer
        return self._stamp(invite)

    def _new_bye(self) -> SipMessage:
        return self._stamp(self.dialog.next_request("BYE"))

    def _stamp(self, request: SipMessage) -> SipMessage:
        """Top Via with a fresh branch (RFC 3261 magic cookie z9hG4bK) and our User-Agent."""
        host, port = self.transport.local_address
        branch = "z9hG4bK" + secrets.token_hex(10)
        via = f"SIP/2.0/{self.transport.name} {_hostport(host, port)};branch={branch};rport"
        request.headers.insert(0, ("Via", via))
        request.add("User-Agent", USER_AGENT)
        return request

    def _remember_challenge(self, response: SipMessage, request: SipMessage) -> bool:
        """Keep a 401/407 challenge to answer; False when we cannot or already did.

        Credentials that were sent and challenged again are wrong, unless the
        server says only the nonce was stale (RFC 2617 §3.2.1).
        """
        challenge = choose_challenge(response)
        if not self.config.auth_user or challenge is None:
            return False
        header = CHALLENGE_HEADERS[response.status][1]
        if request.get(header) is not None and not challenge.stale:
            return False
        self._challenges[header] = challenge
        return True

    def _add_credentials(self, request: SipMessage) -> None:
        for header, challenge in self._challenges.items():
            self._nonce_uses[challenge.nonce] = self._nonce_uses.get(challenge.nonce, 0) + 1
            request.add(header, authorization(
                challenge, username=self.config.auth_user, password=self.config.password,
                method=request.method, uri=request.uri, body=request.body,
                nonce_count=self._nonce_uses[challenge.nonce],
            ))

    # -- plumbing ----------------------------------------------------------

    def _start_transaction(self, request: SipMessage) -> ClientTransaction:
        tx = ClientTransaction(request, self._send, self.config.t1, self.config.t2, self.transport.reliable)
        self._transactions[tx.key] = tx
        tx.start()
        return tx

    def _send(self, message: SipMessage) -> None:
        if self._t0 is None:
            self._t0 = time.monotonic()
        self._log("sent", message)
        self.transport.send(message.to_bytes())

    def _on_bytes(self, data: bytes) -> None:
        try:
            message = SipMessage.parse(data)
            key = None if message.is_request else transaction_key(message)
        except SipParseError:
            return  # not SIP we could even answer: drop, as RFC 3261 §18.3 allows
        self._log("received", message)
        if message.is_request:
            self._events.put_nowait(_Event(message=message))
            return
        tx = self._transactions.get(key)
        if message.call_id == self.call_id and tx is not None and tx.receive(message):
            self._events.put_nowait(_Event(message=message, transaction=tx))

    def _on_error(self, exc: Exception) -> None:
        self._events.put_nowait(_Event(error=exc))

    async def _next_event(self, deadline: float) -> _Event | None:
        """The next event, or None once ``deadline`` (monotonic) has passed."""
        if not math.isfinite(deadline):
            raise ValueError("every wait needs a deadline")
        if not self._events.empty():
            return self._events.get_nowait()
        try:
            return await asyncio.wait_for(self._events.get(), max(0.0, deadline - time.monotonic()))
        except TimeoutError:
            return None

    def _elapsed(self) -> float:
        return round(time.monotonic() - (self._t0 or time.monotonic()), 3)

    def _log(self, direction: str, message: SipMessage) -> None:
        self.result.ladder.append(LadderEntry(self._elapsed(), direction, message.first_line))

    def _note_invite_response(self, response: SipMessage) -> None:
        status = response.status or 0
        if self.result.seconds_to_first_response is None:
            self.result.seconds_to_first_response = self._elapsed()
        if status in (180, 183) and self.result.seconds_to_ringing is None:
            self.result.seconds_to_ringing = self._elapsed()
        if 200 <= status < 300:
            self.result.seconds_to_answer = self._elapsed()
        if status < 300 and response.body:
            self._early_media = parse_answer(response.body) or self._early_media

    def _note_q850(self, message: SipMessage) -> None:
        cause = q850_cause(message.get_all("Reason"))
        if cause is not None and self.result.q850_cause is None:
            self.result.q850_cause, self.result.q850_text = cause

    def _give_up(self, outcome: Outcome, error: str) -> None:
        """Record an outcome reached without a final response (returns None for the caller to pass on)."""
        self.result.outcome, self.result.error = outcome, error

    def abandon(self) -> None:
        """Cut short (Ctrl-C, a cancelled task): never leave the far end ringing or connected.

        One CANCEL or BYE, sent without waiting for its answer.
        """
        tx = self._invite_tx
        if self.dialog is not None and self.result.ended_by is None:
            self.result.ended_by = "us"
            bye = self._new_bye()
            self._add_credentials(bye)
            self._send(bye)
        elif tx is not None and tx.final is None and tx.provisional is not None and self._cancel is None:
            self._cancel = self._start_transaction(build_cancel(tx.request))

    async def close(self) -> None:
        for tx in self._transactions.values():
            tx.stop()
        if self.rtp is not None:
            self.result.rtp_packets_in = self.rtp.packets_in
            self.result.rtp_bytes_in = self.rtp.bytes_in
            self.result.rtp_packets_out = self.rtp.packets_out
            await self.rtp.close()
            if self.config.capture is not None:
                self.rtp.write_wav(Path(self.config.capture))
                self.result.capture_file = str(self.config.capture)
        if self.transport is not None:
            self.transport.close()
