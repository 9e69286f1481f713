"""G.711 A-law and µ-law (ITU-T G.711) to 16-bit linear PCM.

``audioop`` is deprecated (PEP 594) and gone in Python 3.13, and a decoder is
two 256-entry tables, so we build them here from the segment/quantisation
rules of the reference implementation (Sun's g711.c).
"""

from __future__ import annotations

from array import array

PCMU = 0  # RTP static payload types (RFC 3551 table 4)
PCMA = 8
SAMPLE_RATE = 8000
FRAME_SAMPLES = 160  # 20 ms at 8 kHz, one byte per sample


def _alaw_to_linear(code: int) -> int:
    code ^= 0x55
    magnitude = (code & 0x0F) << 4
    segment = (code & 0x70) >> 4
    if segment == 0:
        magnitude += 8
    else:
        magnitude = (magnitude + 0x108) << (segment - 1)
    return magnitude if code & 0x80 else -magnitude


def _ulaw_to_linear(code: int) -> int:
    code = ~code & 0xFF
    magnitude = (((code & 0x0F) << 3) + 0x84) << ((code & 0x70) >> 4)
    return 0x84 - magnitude if code & 0x80 else magnitude - 0x84


ALAW_TO_LINEAR = tuple(_alaw_to_linear(c) for c in range(256))
ULAW_TO_LINEAR = tuple(_ulaw_to_linear(c) for c in range(256))
_TABLES = {PCMA: ALAW_TO_LINEAR, PCMU: ULAW_TO_LINEAR}
# The code closest to zero amplitude: what a silent G.711 frame is made of.
SILENCE_CODE = {PCMA: 0xD5, PCMU: 0xFF}


def decodable(payload_type: int) -> bool:
    return payload_type in _TABLES


def decode(payload: bytes, payload_type: int) -> array:
    """Samples as signed 16-bit integers (``array('h')``, native byte order)."""
    table = _TABLES[payload_type]
    return array("h", [table[code] for code in payload])


def silence_frame(payload_type: int) -> bytes:
    return bytes([SILENCE_CODE[payload_type]]) * FRAME_SAMPLES
