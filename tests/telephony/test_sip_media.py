"""G.711 decoding, SDP offer/answer and RTP packet parsing."""

import struct
import warnings

import pytest

from rexian.telephony.sip import g711
from rexian.telephony.sip.rtp import rtp_payload
from rexian.telephony.sip.sdp import build_offer, parse_answer


def test_g711_reference_values():
    assert (g711.ALAW_TO_LINEAR[0xD5], g711.ALAW_TO_LINEAR[0x55]) == (8, -8)
    assert (g711.ALAW_TO_LINEAR[0xAA], g711.ALAW_TO_LINEAR[0x2A]) == (32256, -32256)
    assert (g711.ULAW_TO_LINEAR[0xFF], g711.ULAW_TO_LINEAR[0x7F]) == (0, 0)
    assert (g711.ULAW_TO_LINEAR[0x80], g711.ULAW_TO_LINEAR[0x00]) == (32124, -32124)
    assert list(g711.decode(g711.silence_frame(g711.PCMU), g711.PCMU)) == [0] * 160


@pytest.mark.parametrize("payload_type, name", [(g711.PCMA, "alaw2lin"), (g711.PCMU, "ulaw2lin")])
def test_g711_tables_match_audioop_where_it_still_exists(payload_type, name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        audioop = pytest.importorskip("audioop")
    every_code = bytes(range(256))
    expected = struct.unpack("<256h", getattr(audioop, name)(every_code, 2))
    assert tuple(g711.decode(every_code, payload_type)) == expected


def test_offer_lists_pcma_and_pcmu():
    offer = build_offer("127.0.0.1", 40000, 42).decode()
    assert "c=IN IP4 127.0.0.1\r\n" in offer and "m=audio 40000 RTP/AVP 8 0\r\n" in offer
    assert "a=rtpmap:8 PCMA/8000" in offer and "a=rtpmap:0 PCMU/8000" in offer
    assert "IN IP6 ::1" in build_offer("::1", 40000, 42).decode()


def test_answer_media_level_connection_overrides_session_level():
    answer = parse_answer(
        b"v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n"
        b"m=video 5000 RTP/AVP 96\r\nc=IN IP4 10.9.9.9\r\n"
        b"m=audio 7078 RTP/AVP 0 101\r\nc=IN IP4 10.0.0.2\r\na=rtpmap:0 PCMU/8000\r\n"
        b"m=audio 7080 RTP/AVP 8\r\nc=IN IP4 10.0.0.3\r\n"
    )
    assert (answer.host, answer.port, answer.payload_type) == ("10.0.0.2", 7078, 0)


@pytest.mark.parametrize(
    "body",
    [
        b"v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 0 RTP/AVP 8\r\n",  # stream rejected
        b"v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 7078 RTP/AVP 18\r\n",  # G.729 only
        b"v=0\r\nm=audio 7078 RTP/AVP 8\r\n",  # no connection address
        b"",
        "v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio ⁷⁰⁷⁸ RTP/AVP 8\r\n".encode(),  # superscript digits, not a port
    ],
)
def test_unusable_answers(body):
    assert parse_answer(body) is None


def _rtp(payload: bytes, *, csrc: int = 0, extension: bytes | None = None, padding: int = 0) -> bytes:
    first = 0x80 | csrc | (0x10 if extension is not None else 0) | (0x20 if padding else 0)
    packet = struct.pack("!BBHII", first, 8, 1, 160, 0xABCDEF) + b"\x00\x00\x00\x01" * csrc
    if extension is not None:
        packet += b"\xbe\xde" + struct.pack("!H", len(extension) // 4) + extension
    return packet + payload + (b"\x00" * (padding - 1) + bytes([padding]) if padding else b"")


def test_rtp_payload_skips_csrc_extension_and_padding():
    assert rtp_payload(_rtp(b"abc")) == (8, b"abc")
    assert rtp_payload(_rtp(b"abc", csrc=2, extension=b"12345678", padding=3)) == (8, b"abc")
    assert rtp_payload(b"\x00" * 20) is None  # version 0
    assert rtp_payload(b"\x80\x08") is None  # too short
