"""Parsing and serialising SIP messages and URIs (RFC 3261 §7, §19, §20)."""

import pytest

from rexian.telephony.sip.message import (
    NameAddr,
    SipMessage,
    SipParseError,
    Via,
    build_response,
    split_header_list,
)
from rexian.telephony.sip.uri import SipUri, parse_hostport

RESPONSE = (
    b"SIP/2.0 180 Ringing\r\n"
    b"v: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKabc;rport=5060, SIP/2.0/UDP 10.0.0.2;branch=z9hG4bKdef\r\n"
    b"Record-Route: <sip:p1.example;lr>, <sip:p2.example;lr>\r\n"
    b"f: \"Caller, Esq.\" <sip:a@b>;tag=111\r\n"
    b"t: <sip:12345@hotline.cn>;tag=222\r\n"
    b"i: call-1\r\n"
    b"CSeq: 7 INVITE\r\n"
    b"Subject: folded\r\n"
    b"  continuation\r\n"
    b"l: 4\r\n"
    b"\r\n"
    b"v=0\r\nextra"
)


def test_parse_expands_compact_names_splits_lists_and_cuts_body():
    message = SipMessage.parse(RESPONSE)
    assert (message.status, message.reason, message.is_request) == (180, "Ringing", False)
    assert [Via.parse(v).branch for v in message.get_all("Via")] == ["z9hG4bKabc", "z9hG4bKdef"]
    assert message.get_all("record-route") == ["<sip:p1.example;lr>", "<sip:p2.example;lr>"]
    assert NameAddr.parse(message.get("From")).display == "Caller, Esq."
    assert NameAddr.parse(message.get("To")).tag == "222"
    assert (message.call_id, message.cseq) == ("call-1", (7, "INVITE"))
    assert message.get("Subject") == "folded continuation"
    assert message.body == b"v=0\r"


def test_serialise_and_parse_round_trip_sets_content_length():
    request = SipMessage(method="INVITE", uri="sip:12345@127.0.0.1:5070")
    request.add("Via", "SIP/2.0/UDP 127.0.0.1:4000;branch=z9hG4bK1")
    request.add("Call-ID", "x")
    request.add("CSeq", "1 INVITE")
    request.add("Content-Length", "999")  # stale value: replaced on output
    request.body = b"v=0\r\n"
    data = request.to_bytes()
    assert data.startswith(b"INVITE sip:12345@127.0.0.1:5070 SIP/2.0\r\nVia: ")
    assert b"Content-Length: 5\r\n\r\nv=0\r\n" in data and b"999" not in data
    again = SipMessage.parse(data)
    assert (again.method, again.uri, again.body) == ("INVITE", request.uri, b"v=0\r\n")
    assert again.top_via.branch == "z9hG4bK1"


def test_set_replaces_in_place_and_remove_drops_all():
    message = SipMessage(method="BYE", uri="sip:a@b")
    message.add("Route", "<sip:1>")
    message.add("To", "<sip:a@b>")
    message.add("Route", "<sip:2>")
    message.set("route", "<sip:3>")
    assert message.headers == [("route", "<sip:3>"), ("To", "<sip:a@b>")]
    message.remove("ROUTE")
    assert message.get("Route") is None


@pytest.mark.parametrize(
    "data",
    [
        b"HELLO\r\n\r\n",
        b"SIP/2.0 abc Bad\r\n\r\n",
        "SIP/2.0 ²²² Bad\r\n\r\n".encode(),  # digits to str.isdigit(), not to int()
        b"INVITE sip:a@b SIP/3.0\r\n\r\n",
        b"SIP/2.0 200 OK\r\nno colon here\r\n\r\n",
        b"SIP/2.0 200 OK\r\nContent-Length: 10\r\n\r\nshort",
        b"SIP/2.0 200 OK\r\nContent-Length: ten\r\n\r\n",
    ],
)
def test_garbage_is_rejected(data):
    with pytest.raises(SipParseError):
        SipMessage.parse(data)


def test_split_header_list_respects_quotes_and_brackets():
    value = '"Doe, John" <sip:j@x;a=1,2>;tag=1, <sip:k@y>, "q\\"," <sip:z@w>'
    assert split_header_list(value) == ['"Doe, John" <sip:j@x;a=1,2>;tag=1', "<sip:k@y>", '"q\\"," <sip:z@w>']


@pytest.mark.parametrize(
    "value, display, uri, params",
    [
        ("<sip:a@b;lr>;tag=x", "", "sip:a@b;lr", {"tag": "x"}),
        ('"Hotline <12345>" <sip:12345@b>', "Hotline <12345>", "sip:12345@b", {}),
        ("Bob <sips:bob@c>;expires=60", "Bob", "sips:bob@c", {"expires": "60"}),
        ("sip:bare@d;tag=9", "", "sip:bare@d", {"tag": "9"}),
    ],
)
def test_name_addr_forms(value, display, uri, params):
    parsed = NameAddr.parse(value)
    assert (parsed.display, parsed.uri, parsed.params) == (display, uri, params)


def test_via_with_ipv6_host_and_bad_via():
    via = Via.parse("SIP/2.0/tcp [2001:db8::1]:5061;branch=z9hG4bKx;received=1.2.3.4")
    assert (via.transport, via.host, via.port, via.branch) == ("TCP", "[2001:db8::1]", 5061, "z9hG4bKx")
    with pytest.raises(SipParseError):
        Via.parse("HTTP/1.1 host")


def test_build_response_copies_transaction_headers_and_tags_to():
    request = SipMessage.parse(
        b"BYE sip:me@1.2.3.4 SIP/2.0\r\n"
        b"Via: SIP/2.0/UDP p1;branch=z9hG4bK1\r\nVia: SIP/2.0/UDP p2;branch=z9hG4bK2\r\n"
        b"From: <sip:far@x>;tag=far\r\nTo: <sip:me@y>\r\nCall-ID: c\r\nCSeq: 5 BYE\r\nMax-Forwards: 69\r\n\r\n"
    )
    response = build_response(request, 200, "OK", to_tag="mine")
    assert response.first_line == "SIP/2.0 200 OK"
    assert response.get_all("Via") == ["SIP/2.0/UDP p1;branch=z9hG4bK1", "SIP/2.0/UDP p2;branch=z9hG4bK2"]
    assert NameAddr.parse(response.get("To")).tag == "mine"
    assert response.get("CSeq") == "5 BYE" and response.get("Max-Forwards") is None


@pytest.mark.parametrize(
    "text, user, host, port, transport",
    [
        ("sip:12345@127.0.0.1:5070", "12345", "127.0.0.1", 5070, "udp"),
        ("sip:12345:secret@trunk.example.cn;transport=TCP", "12345", "trunk.example.cn", None, "tcp"),
        ("SIP:[::1]:5060", None, "[::1]", 5060, "udp"),
    ],
)
def test_sip_uri(text, user, host, port, transport):
    uri = SipUri.parse(text)
    assert (uri.user, uri.host, uri.port, uri.transport) == (user, host, port, transport)


@pytest.mark.parametrize("text", ["tel:12345", "sip:", "sip:a@host:99999", "sip:a@ho st", "12345@host"])
def test_bad_uris(text):
    with pytest.raises(ValueError):
        SipUri.parse(text)


def test_parse_hostport_default_port():
    assert parse_hostport("proxy.example") == ("proxy.example", 5060)
    assert parse_hostport("[::1]:5080") == ("[::1]", 5080)
