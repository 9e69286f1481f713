"""Pure rules: outcome mapping, Q.850 causes, config bounds, routing of in-dialog requests."""

import asyncio
import json
import math
import time

import pytest

from rexian.telephony.sip import CallResult, Outcome, ProbeConfig
from rexian.telephony.sip.dialog import Dialog
from rexian.telephony.sip.message import NameAddr, SipMessage
from rexian.telephony.sip.outcome import LadderEntry, outcome_for_status, q850_cause
from rexian.telephony.sip.transaction import ClientTransaction, build_cancel, build_non2xx_ack


@pytest.mark.parametrize(
    "statuses, outcome",
    [
        ((200, 202), Outcome.ANSWERED),
        ((486, 600), Outcome.BUSY),
        ((404, 410, 484, 485, 604), Outcome.INVALID_NUMBER),
        ((408, 480, 487), Outcome.NO_ANSWER),
        ((500, 502, 503, 504), Outcome.UNAVAILABLE),
        ((403, 603), Outcome.REJECTED),
        ((401, 407), Outcome.AUTH_FAILED),
        ((400, 415, 488, 501, 580, 606), Outcome.FAILED),
    ],
)
def test_status_mapping(statuses, outcome):
    assert {outcome_for_status(s) for s in statuses} == {outcome}


def test_q850_cause_from_reason_headers():
    reasons = ['SIP;cause=200;text="Call completed elsewhere"', 'Q.850;cause=17;text="User busy"']
    assert q850_cause(reasons) == (17, "User busy")
    assert q850_cause(["q.850 ; cause=16"]) == (16, None)
    assert q850_cause(['SIP;cause=487', "Q.850;text=\"no cause\""]) is None


def test_result_is_json_serialisable():
    result = CallResult(target="sip:1@h", outcome=Outcome.BUSY, call_id="c", final_status=486,
                        ladder=[LadderEntry(0.0, "sent", "INVITE sip:1@h SIP/2.0")])
    data = json.loads(result.to_json())
    assert data["outcome"] == "busy" and data["seconds_to_answer"] is None
    assert data["ladder"] == [{"t": 0.0, "direction": "sent", "first_line": "INVITE sip:1@h SIP/2.0"}]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"target": "sips:1@h"},
        {"target": "tel:12345"},
        {"target": "sip:1@h", "ring_timeout": 0},
        {"target": "sip:1@h", "ring_timeout": 301},
        {"target": "sip:1@h", "hold": -1},
        {"target": "sip:1@h", "hold": 3601},
        {"target": "sip:1@h", "t1": 0},
        {"target": "sip:1@h", "transport": "sctp"},
        {"target": "sip:1@h", "auth_user": "u"},
        {"target": "sip:1@h", "password": "p"},
        {"target": "sip:1@h", "proxy": "not a host"},
    ],
)
def test_config_rejects_unsafe_or_malformed_settings(kwargs):
    with pytest.raises(ValueError):
        ProbeConfig(**kwargs)


def test_next_hop_is_the_proxy_when_set_else_the_uri():
    assert ProbeConfig("sip:1@trunk.example:5080").next_hop() == ("trunk.example", 5080)
    assert ProbeConfig("sip:1@[::1]").next_hop() == ("::1", 5060)
    assert ProbeConfig("sip:1@trunk.example", proxy="10.1.1.1:5070").next_hop() == ("10.1.1.1", 5070)
    assert ProbeConfig("sip:1@h;transport=tcp").transport_name == "tcp"
    assert ProbeConfig("sip:1@h;transport=tcp", transport="udp").timer_b == 32.0


def _invite() -> SipMessage:
    invite = SipMessage(method="INVITE", uri="sip:12345@trunk")
    invite.add("Via", "SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bKinv;rport")
    invite.add("Route", "<sip:outbound;lr>")
    invite.add("From", "<sip:probe@trunk>;tag=ours")
    invite.add("To", "<sip:12345@trunk>")
    invite.add("Call-ID", "call")
    invite.add("CSeq", "2 INVITE")
    invite.add("Proxy-Authorization", "Digest ...")
    return invite


def _response(status: int, reason: str, **headers: list[str]) -> SipMessage:
    response = SipMessage(status=status, reason=reason)
    response.add("To", "<sip:12345@trunk>;tag=theirs")
    for name, values in headers.items():
        for value in values:
            response.add(name.replace("_", "-"), value)
    return response


def test_cancel_and_non2xx_ack_reuse_the_invite_branch_and_route():
    invite = _invite()
    cancel = build_cancel(invite)
    ack = build_non2xx_ack(invite, _response(486, "Busy Here"))
    for request, to_tag, cseq in ((cancel, None, "2 CANCEL"), (ack, "theirs", "2 ACK")):
        assert request.uri == invite.uri
        assert request.get_all("Via") == ["SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bKinv;rport"]
        assert request.get_all("Route") == ["<sip:outbound;lr>"]
        assert (NameAddr.parse(request.get("To")).tag, request.get("CSeq")) == (to_tag, cseq)
        assert request.get("Proxy-Authorization") is None


def test_dialog_reverses_record_route_and_targets_the_contact():
    ok = _response(200, "OK", Record_Route=["<sip:p2;lr>, <sip:p1;lr>"], Contact=["<sip:agent@10.0.0.5:5062>"])
    dialog = Dialog.from_2xx(_invite(), ok)
    ack = dialog.request("ACK", 2)
    assert ack.first_line == "ACK sip:agent@10.0.0.5:5062 SIP/2.0"
    assert ack.get_all("Route") == ["<sip:p1;lr>", "<sip:p2;lr>"]
    assert ack.get("CSeq") == "2 ACK" and NameAddr.parse(ack.get("To")).tag == "theirs"
    bye = dialog.next_request("BYE")
    assert bye.get("CSeq") == "3 BYE" and bye.uri == "sip:agent@10.0.0.5:5062"


def test_dialog_with_strict_router_puts_the_route_in_the_request_uri():
    ok = _response(200, "OK", Record_Route=["<sip:p2>", "<sip:p1>"], Contact=["<sip:agent@10.0.0.5>"])
    bye = Dialog.from_2xx(_invite(), ok).next_request("BYE")
    assert bye.uri == "sip:p1"
    assert bye.get_all("Route") == ["<sip:p2>", "<sip:agent@10.0.0.5>"]


def test_dialog_owns_only_requests_with_both_tags():
    dialog = Dialog.from_2xx(_invite(), _response(200, "OK", Contact=["<sip:a@b>"]))
    bye = SipMessage(method="BYE", uri="sip:probe@10.0.0.9")
    bye.add("From", "<sip:12345@trunk>;tag=theirs")
    bye.add("To", "<sip:probe@trunk>;tag=ours")
    bye.add("Call-ID", "call")
    assert dialog.owns(bye)
    bye.set("To", "<sip:probe@trunk>;tag=other")
    assert not dialog.owns(bye)


def _sent_times(request: SipMessage, *, t1: float, reliable: bool = False, feed=(), run_for: float = 0.0):
    """Run a client transaction with T2 = 4*T1; ``feed`` = [(at_seconds, response)].

    Returns what it sent (seconds since start, method), what it passed up, and the transaction.
    """

    async def scenario():
        sent: list[tuple[float, str]] = []
        start = time.monotonic()

        def record(message: SipMessage) -> None:
            sent.append((time.monotonic() - start, message.method))

        tx = ClientTransaction(request, record, t1, 4 * t1, reliable)
        tx.start()
        delivered = []
        for at, response in feed:
            await asyncio.sleep(max(0.0, at - (time.monotonic() - start)))
            delivered.append(tx.receive(response))
        await asyncio.sleep(max(0.0, run_for - (time.monotonic() - start)))
        tx.stop()
        return sent, delivered, tx

    return asyncio.run(scenario())


def test_non_invite_retransmissions_double_up_to_t2_and_stop_at_timer_f():
    bye = _invite()
    bye.method = "BYE"
    bye.set("CSeq", "3 BYE")
    sent, _, _ = _sent_times(bye, t1=0.03, run_for=2.1)
    due = [0, 0.03, 0.09] + [0.21 + 0.12 * k for k in range(15)]  # intervals T1, 2T1, then T2 = 4T1
    times = [t for t, _ in sent]
    assert len(times) == len(due) and due[-1] < 1.92  # the next would come after Timer F = 64*T1
    off = [(round(t, 3), round(d, 3)) for t, d in zip(times, due) if not -0.002 < t - d < 0.06]
    assert not off, off
    assert _sent_times(bye, t1=0.03, reliable=True)[0] == [(pytest.approx(0, abs=0.01), "BYE")]  # TCP: no resend


def test_invite_stops_retransmitting_on_1xx_and_reacks_a_repeated_final():
    invite = _invite()
    busy = _response(486, "Busy Here")
    busy.add("CSeq", "2 INVITE")
    sent, delivered, tx = _sent_times(
        invite, t1=0.05, feed=[(0.1, _response(100, "Trying")), (0.2, busy), (0.25, busy)], run_for=0.4
    )
    assert [m for _, m in sent] == ["INVITE", "INVITE", "ACK", "ACK"]  # at 0 and 50 ms; the 1xx stops Timer A
    assert delivered == [True, True, False]  # the retransmitted 486 is absorbed, only ACKed again
    assert tx.final is busy and tx.timer_deadline == math.inf
