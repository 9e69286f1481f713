"""RTP (RFC 3550) for a probe call: count what arrives, send 20 ms of silence.

Many trunks and SBCs hang up a call that sends no media (RTP timeout), and
NAT-latching SBCs only send audio once they have seen ours, so the prober
sends silence while the call is up.  Incoming packets are counted as proof
that the far end really connected audio, and optionally decoded for a WAV file
an evaluator can listen to.
"""

from __future__ import annotations

import asyncio
import ipaddress
import random
import struct
import sys
import wave
from array import array
from pathlib import Path

from . import g711

_HEADER = struct.Struct("!BBHII")
_FRAME_SECONDS = g711.FRAME_SAMPLES / g711.SAMPLE_RATE
# Keep at most an hour of decoded audio (57.6 MB) whatever the far end sends.
_MAX_CAPTURE_SAMPLES = 3600 * g711.SAMPLE_RATE


def rtp_payload(packet: bytes) -> tuple[int, bytes] | None:
    """(payload type, payload) of an RTP version 2 packet, or None if it is not one."""
    if len(packet) < _HEADER.size or packet[0] >> 6 != 2:
        return None
    offset = _HEADER.size + 4 * (packet[0] & 0x0F)  # CSRC list
    if packet[0] & 0x10:  # header extension: 4 bytes + length in 32-bit words
        if len(packet) < offset + 4:
            return None
        offset += 4 + 4 * int.from_bytes(packet[offset + 2 : offset + 4], "big")
    end = len(packet) - (packet[-1] if packet[0] & 0x20 else 0)  # padding
    if offset > end:
        return None
    return packet[1] & 0x7F, packet[offset:end]


class RtpSession(asyncio.DatagramProtocol):
    """The call's RTP socket; asyncio delivers its datagrams straight to ``datagram_received``."""

    def __init__(self, capture: bool) -> None:
        self._transport: asyncio.DatagramTransport | None = None
        self._capture = capture
        self._samples = array("h")
        self._sender: asyncio.Task | None = None
        self.packets_in = 0
        self.bytes_in = 0
        self.packets_out = 0

    @classmethod
    async def open(cls, local_ip: str, capture: bool) -> RtpSession:
        loop = asyncio.get_running_loop()
        _, session = await loop.create_datagram_endpoint(lambda: cls(capture), local_addr=(local_ip, 0))
        return session

    def connection_made(self, transport: asyncio.DatagramTransport) -> None:
        self._transport = transport

    def error_received(self, exc: Exception) -> None:
        """ICMP errors from a media peer are no reason to end the SIP call."""

    @property
    def port(self) -> int:
        return self._transport.get_extra_info("sockname")[1]

    @property
    def _local_ip(self) -> str:
        return self._transport.get_extra_info("sockname")[0]

    def datagram_received(self, packet: bytes, addr: tuple) -> None:
        parsed = rtp_payload(packet)
        if parsed is None:
            return
        self.packets_in += 1
        self.bytes_in += len(packet)
        payload_type, payload = parsed
        room = _MAX_CAPTURE_SAMPLES - len(self._samples)
        if self._capture and g711.decodable(payload_type) and room > 0:
            self._samples.extend(g711.decode(payload[:room], payload_type))

    def start_sending(self, host: str, port: int, payload_type: int, duration: float) -> None:
        """Send silence to host:port for at most ``duration`` seconds.

        Only an IP literal of our own address family is accepted: a host name
        in SDP would mean a DNS lookup and a destination nobody configured.
        """
        try:
            family_ok = ipaddress.ip_address(host).version == ipaddress.ip_address(self._local_ip).version
        except ValueError:
            return
        if family_ok and self._sender is None:
            self._sender = asyncio.create_task(self._send_silence((host, port), payload_type, duration))

    async def _send_silence(self, address: tuple[str, int], payload_type: int, duration: float) -> None:
        loop = asyncio.get_running_loop()
        payload = g711.silence_frame(payload_type)
        sequence, timestamp, ssrc = (random.getrandbits(n) for n in (16, 32, 32))
        start = loop.time()
        for frame in range(int(duration / _FRAME_SECONDS) + 1):
            marker = 0x80 if frame == 0 else 0
            header = _HEADER.pack(0x80, marker | payload_type, (sequence + frame) & 0xFFFF,
                                  (timestamp + frame * g711.FRAME_SAMPLES) & 0xFFFFFFFF, ssrc)
            self._transport.sendto(header + payload, address)
            self.packets_out += 1
            await asyncio.sleep(max(0.0, start + (frame + 1) * _FRAME_SECONDS - loop.time()))

    def write_wav(self, path: Path) -> None:
        """16-bit mono 8 kHz WAV of the decoded audio, in arrival order."""
        samples = array("h", self._samples)
        if sys.byteorder == "big":
            samples.byteswap()  # WAV is little-endian
        with wave.open(str(path), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(g711.SAMPLE_RATE)
            wav.writeframes(samples.tobytes())

    async def close(self) -> None:
        if self._sender is not None:
            self._sender.cancel()
            await asyncio.gather(self._sender, return_exceptions=True)
        self._transport.close()
