"""End-to-end probe calls against SIPp playing a hotline on 127.0.0.1.

Each test dials a Request-URI user that makes the SIPp scenario behave in
one way (see src/rexian/telephony/sip/scenarios/hotline_uas.xml) and checks
the outcome, the timings, the message ladder and, through SIPp's message
trace, what the peer actually received.
"""

from __future__ import annotations

import asyncio
import socket
import time
import wave
from array import array

import pytest

from probe_helpers import CREDENTIALS, call, flow
from rexian.telephony.sip import Outcome, ProbeConfig, place_calls, probe_call
from rexian.telephony.sip.message import NameAddr
from rexian.telephony.sip.testpeer import LOOPBACK, free_port


@pytest.fixture(scope="module")
def answered(hotline, tmp_path_factory):
    """One call answered after 1.5 s, held for 1 s with audio captured."""
    wav = tmp_path_factory.mktemp("capture") / "answer.wav"
    return call(hotline.uri("answer1500"), hold=1.0, capture=str(wav))


def test_answer_after_1500_ms_is_measured_as_1_5_s(answered):
    assert answered.outcome is Outcome.ANSWERED
    assert (answered.final_status, answered.final_reason) == (200, "OK")
    assert 1.4 <= answered.seconds_to_answer <= 1.8
    assert answered.seconds_to_first_response < 0.5 and answered.seconds_to_ringing < 0.5
    assert 0.9 <= answered.seconds_connected <= 1.3 and answered.ended_by == "us"
    assert flow(answered) == [">INVITE", "<100", "<183", "<180", "<200", ">ACK", ">BYE", "<200"]


def test_answered_call_counts_rtp_and_writes_a_valid_wav(answered):
    assert answered.rtp_packets_in > 10 and answered.rtp_bytes_in > 12 * answered.rtp_packets_in
    assert answered.rtp_packets_out >= 40  # 20 ms silence frames for the 1 s hold
    with wave.open(answered.capture_file, "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 8000)
        samples = array("h", wav.readframes(wav.getnframes()))
    # one sample per G.711 byte: everything after the 12-byte RTP headers was decoded
    assert len(samples) == answered.rtp_bytes_in - 12 * answered.rtp_packets_in
    assert max(abs(s) for s in samples) > 8  # A-law silence decodes to +-8: this is real audio


def test_peer_received_a_correct_transaction_sequence(hotline, answered):
    invite, ack, bye = hotline.received(answered.call_id, 3)
    assert [m.method for m in (invite, ack, bye)] == ["INVITE", "ACK", "BYE"]
    assert [m.cseq for m in (invite, ack, bye)] == [(1, "INVITE"), (1, "ACK"), (2, "BYE")]
    branches = [m.top_via.branch for m in (invite, ack, bye)]
    assert all(b.startswith("z9hG4bK") for b in branches) and len(set(branches)) == 3  # 2xx ACK: new transaction
    assert ack.uri.startswith("sip:peer@") and bye.uri == ack.uri  # the 200's Contact
    assert len({NameAddr.parse(m.get("From")).tag for m in (invite, ack, bye)}) == 1
    their_tag = NameAddr.parse(ack.get("To")).tag
    assert their_tag and NameAddr.parse(bye.get("To")).tag == their_tag
    assert b"m=audio" in invite.body and b"RTP/AVP 8 0" in invite.body


@pytest.mark.parametrize(
    "user, outcome, status, cause",
    [
        ("busy", Outcome.BUSY, 486, 17),
        ("notfound404", Outcome.INVALID_NUMBER, 404, 1),
        ("unavail503", Outcome.UNAVAILABLE, 503, 34),
        ("reject603", Outcome.REJECTED, 603, 21),
        ("codec488", Outcome.FAILED, 488, None),
    ],
)
def test_final_responses_map_to_outcomes_and_are_acked_hop_by_hop(hotline, user, outcome, status, cause):
    result = call(hotline.uri(user))
    assert (result.outcome, result.final_status, result.q850_cause) == (outcome, status, cause)
    assert result.seconds_to_answer is None and result.rtp_packets_in == 0
    assert flow(result) == [">INVITE", f"<{status}", ">ACK"]
    invite, ack = hotline.received(result.call_id, 2)
    assert ack.method == "ACK" and ack.cseq == (1, "ACK") and ack.uri == invite.uri
    assert ack.top_via.branch == invite.top_via.branch  # non-2xx ACK belongs to the INVITE transaction


def test_ring_timeout_cancels_and_acks_the_487(hotline):
    result = call(hotline.uri("noanswer"), ring_timeout=1.0)
    assert (result.outcome, result.final_status, result.seconds_to_answer) == (Outcome.NO_ANSWER, 487, None)
    assert result.seconds_to_ringing < 0.5
    assert flow(result) == [">INVITE", "<180", ">CANCEL", "<200", "<487", ">ACK"]
    cancel_sent = next(e.t for e in result.ladder if e.first_line.startswith("CANCEL"))
    assert 1.0 <= cancel_sent <= 1.2
    invite, cancel, ack = hotline.received(result.call_id, 3)
    assert cancel.method == "CANCEL" and cancel.cseq == (1, "CANCEL") and cancel.uri == invite.uri
    assert cancel.top_via.branch == invite.top_via.branch == ack.top_via.branch
    assert NameAddr.parse(cancel.get("To")).tag is None


def test_digest_401_is_answered_with_qop_auth_and_cseq_moves_on(hotline):
    result = call(hotline.uri("auth"), hold=0.2, **CREDENTIALS)
    assert result.outcome is Outcome.ANSWERED
    assert flow(result)[:4] == [">INVITE", "<401", ">ACK", ">INVITE"]
    first, first_ack, second, ack, bye = hotline.received(result.call_id, 5)
    assert [m.cseq for m in (first, first_ack, second, ack, bye)] == [
        (1, "INVITE"), (1, "ACK"), (2, "INVITE"), (2, "ACK"), (3, "BYE")]
    assert first_ack.top_via.branch == first.top_via.branch != second.top_via.branch
    credentials = second.get("Authorization")
    assert first.get("Authorization") is None and credentials.startswith('Digest username="probe"')
    assert "qop=auth" in credentials and "nc=00000001" in credentials and "cnonce=" in credentials
    assert ack.get("Authorization") == credentials  # RFC 3261 §13.2.2.4
    assert "nc=00000002" in bye.get("Authorization")
    assert len({NameAddr.parse(m.get("From")).tag for m in (first, second, bye)}) == 1


@pytest.mark.parametrize("credentials", [{**CREDENTIALS, "password": "wrong"}, {}])
def test_challenge_we_cannot_answer_is_auth_failed(hotline, credentials):
    result = call(hotline.uri("auth"), **credentials)
    assert (result.outcome, result.final_status) == (Outcome.AUTH_FAILED, 401)
    assert flow(result).count(">INVITE") == (2 if credentials else 1)


def test_far_end_bye_is_answered_with_200(hotline):
    result = call(hotline.uri("hangup500"), hold=5.0)
    assert (result.outcome, result.ended_by) == (Outcome.ANSWERED, "remote")
    assert 0.4 <= result.seconds_connected <= 1.0
    assert flow(result) == [">INVITE", "<200", ">ACK", "<BYE", ">200"]


def test_silent_peer_times_out_after_timer_b_with_doubling_retransmissions():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as black_hole:
        black_hole.bind((LOOPBACK, 0))
        result = call(f"sip:12345@{LOOPBACK}:{black_hole.getsockname()[1]}", t1=0.05)
    assert (result.outcome, result.final_status, result.seconds_to_first_response) == (Outcome.TIMEOUT, None, None)
    sent = [e.t for e in result.ladder if e.first_line.startswith("INVITE")]
    due = [0.0, 0.05, 0.15, 0.35, 0.75, 1.55, 3.15]  # Timer A doubling from T1; Timer B at 64*T1 = 3.2 s
    assert len(sent) == len(due)
    off = [(t, d) for t, d in zip(sent, due) if not -0.002 <= t - d < 0.06]
    assert not off, off


def test_closed_port_is_unreachable():
    started = time.monotonic()
    result = call(f"sip:12345@{LOOPBACK}:{free_port()}")
    assert result.outcome is Outcome.UNREACHABLE and "ConnectionRefused" in result.error
    assert time.monotonic() - started < 2


def test_unresolvable_name_is_unreachable_without_sending():
    name = ".".join(["a" * 60] * 5) + ".invalid"  # longer than DNS allows: fails before any query
    result = call(f"sip:12345@{name}")
    assert result.outcome is Outcome.UNREACHABLE and result.ladder == []


def test_ten_calls_to_a_dead_line_all_come_back_not_answered(hotline):
    config = ProbeConfig(hotline.uri("noanswer"), ring_timeout=1.0)
    started = time.monotonic()
    results = asyncio.run(place_calls([config] * 10, concurrency=5))
    elapsed = time.monotonic() - started
    assert [r.outcome for r in results] == [Outcome.NO_ANSWER] * 10
    assert all(r.seconds_to_answer is None for r in results)
    assert len({r.call_id for r in results}) == 10
    assert 2.0 <= elapsed < 4.0  # two waves of five: the concurrency cap holds


def test_every_call_gets_fresh_identifiers(hotline):
    first, second = (call(hotline.uri("busy")) for _ in range(2))
    (a, _), (b, _) = (hotline.received(r.call_id, 2) for r in (first, second))
    assert a.call_id != b.call_id
    assert NameAddr.parse(a.get("From")).tag != NameAddr.parse(b.get("From")).tag
    assert a.top_via.branch != b.top_via.branch


def test_place_calls_refuses_unbounded_concurrency():
    with pytest.raises(ValueError):
        asyncio.run(place_calls([], concurrency=0))


def test_tcp_transport(tcp_hotline):
    answered = call(tcp_hotline.uri("answer200"), hold=0.3)
    assert answered.outcome is Outcome.ANSWERED and answered.ended_by == "us"
    assert flow(answered) == [">INVITE", "<100", "<183", "<180", "<200", ">ACK", ">BYE", "<200"]
    hung_up = call(tcp_hotline.uri("hangup200"), hold=5.0)
    assert (hung_up.outcome, hung_up.ended_by) == (Outcome.ANSWERED, "remote")
    invite = tcp_hotline.received(answered.call_id, 1)[0]
    assert invite.top_via.transport == "TCP" and ";transport=tcp" in invite.get("Contact")


@pytest.mark.parametrize(
    "user, methods", [("noanswer", ["INVITE", "CANCEL"]), ("answer", ["INVITE", "ACK", "BYE"])]
)
def test_a_cancelled_probe_still_cancels_or_hangs_up(hotline, user, methods):
    caller = f"cancelled-{user}"
    config = ProbeConfig(hotline.uri(user), ring_timeout=30, hold=30, from_user=caller)

    async def start_then_cancel():
        task = asyncio.create_task(probe_call(config))
        await asyncio.sleep(0.5)  # ringing, or answered and held
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    started = time.monotonic()
    asyncio.run(start_then_cancel())
    assert time.monotonic() - started < 2
    ours = (m for m in hotline.all_received() if NameAddr.parse(m.get("From")).uri.startswith(f"sip:{caller}@"))
    invite = next(ours)
    assert [m.method for m in hotline.received(invite.call_id, len(methods))] == methods
