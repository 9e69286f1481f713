"""Probe calls through Kamailio acting as the carrier's trunk: 407 digest
challenge, Record-Route, and a proxy in the path that relays (and rewrites)
the hotline's answers.

The Request-URI host is ``hotline.test``, a name that resolves nowhere: the
calls only work because every packet goes to the configured outbound proxy.
"""

from __future__ import annotations

import pytest

from probe_helpers import CREDENTIALS, call, flow
from rexian.telephony.sip import Outcome
from rexian.telephony.sip.message import NameAddr


def via_trunk(trunk, user: str, **options):
    return call(f"sip:{user}@hotline.test", proxy=trunk.proxy, **{**CREDENTIALS, **options})


def test_407_is_answered_and_in_dialog_requests_follow_the_record_route(trunk, hotline):
    result = via_trunk(trunk, "answer300", hold=0.3)
    assert result.outcome is Outcome.ANSWERED and result.ended_by == "us"
    assert 0.25 <= result.seconds_to_answer <= 0.6
    assert flow(result) == [
        ">INVITE", "<407", ">ACK", ">INVITE", "<100", "<183", "<180", "<200", ">ACK", ">BYE", "<200"
    ]
    invite, ack, bye = hotline.received(result.call_id, 3)
    assert invite.get("Record-Route").startswith(f"<sip:127.0.0.1:{trunk.port};lr")
    # Kamailio relays ACK and BYE only when their Route names it (loose_route): they arrived, via the trunk.
    assert [m.method for m in (ack, bye)] == ["ACK", "BYE"]
    assert all(m.top_via.port == trunk.port for m in (invite, ack, bye))
    assert NameAddr.parse(bye.get("To")).tag == NameAddr.parse(ack.get("To")).tag


def test_sha256_challenge(sha256_trunk):
    result = via_trunk(sha256_trunk, "answer", hold=0.1)
    assert result.outcome is Outcome.ANSWERED
    assert flow(result)[:4] == [">INVITE", "<407", ">ACK", ">INVITE"]


@pytest.mark.parametrize("credentials", [{"password": "wrong"}, {"auth_user": None, "password": None}])
def test_rejected_or_missing_credentials_are_auth_failed(trunk, credentials):
    result = via_trunk(trunk, "answer", **credentials)
    assert (result.outcome, result.final_status) == (Outcome.AUTH_FAILED, 407)
    assert flow(result).count(">INVITE") == (1 if credentials["password"] is None else 2)


def test_503_relayed_as_500_is_still_unavailable(trunk):
    result = via_trunk(trunk, "unavail503")
    assert (result.outcome, result.final_status) == (Outcome.UNAVAILABLE, 500)


def test_cancel_through_the_trunk(trunk):
    result = via_trunk(trunk, "noanswer", ring_timeout=0.8)
    assert (result.outcome, result.final_status) == (Outcome.NO_ANSWER, 487)
    assert flow(result)[-4:] == [">CANCEL", "<200", "<487", ">ACK"]


def test_far_end_bye_routed_back_through_the_trunk(trunk):
    result = via_trunk(trunk, "hangup300", hold=5.0)
    assert (result.outcome, result.ended_by) == (Outcome.ANSWERED, "remote")
    assert flow(result)[-2:] == ["<BYE", ">200"]
