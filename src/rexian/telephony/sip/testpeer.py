"""A local fake hotline for self-tests and benchmarks: SIPp running hotline_uas.xml.

Everything is bound to 127.0.0.1: SIP, media and SIPp's control socket
(which would otherwise listen on every interface).  Each run has a global
timeout, lives in its own process group, and ``stop()`` makes sure nothing
of it is left.  SIPp's message trace lets tests read what the peer really
received, e.g. to check CSeq numbers and branches.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from .message import SipMessage, SipParseError

LOOPBACK = "127.0.0.1"
SCENARIO = Path(__file__).parent / "scenarios" / "hotline_uas.xml"
# Debian's sip-tester ships this A-law recording; the scenario plays it after answering.
AUDIO_PCAP = Path(os.environ.get("REXIAN_SIPP_PCAP", "/usr/share/sip-tester/g711a.pcap"))
_TRACE_SEPARATOR = re.compile(r"^-{20,} .*\n[A-Z]+ message (received|sent) [\[(]\d+[\])] bytes ?:\n\n", re.M)


def free_port() -> int:
    """A port that is free on 127.0.0.1 for UDP and TCP right now."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind((LOOPBACK, 0))
            port = udp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind((LOOPBACK, port))
                except OSError:
                    continue
            return port
    raise OSError("no free port on 127.0.0.1")


def is_listening(port: int, proto: str) -> bool:
    """Does some socket listen on 127.0.0.1:port (IPv4, per /proc/net/udp or tcp)?"""
    wanted = f"0100007F:{port:04X}"
    with open(f"/proc/net/{proto}") as table:
        for line in table.readlines()[1:]:
            fields = line.split()
            if fields[1] == wanted and (proto == "udp" or fields[3] == "0A"):  # 0A = LISTEN
                return True
    return False


def wait_until_listening(
    process: subprocess.Popen, port: int, proto: str, log: Path, timeout: float = 10.0
) -> None:
    deadline = time.monotonic() + timeout
    while not is_listening(port, proto):
        if process.poll() is not None or time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{process.args[0]} did not come up on {proto} port {port}:\n{tail}")
        time.sleep(0.02)


def group_members(pgid: int) -> list[int]:
    """Live processes in a process group (zombies excluded), read from /proc."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(int(entry.name))
    return members


def stop_group(process: subprocess.Popen, grace: float = 5.0) -> None:
    """SIGTERM the process group we created, SIGKILL it after ``grace`` seconds, reap."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(grace)
    deadline = time.monotonic() + grace
    while group_members(process.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if group_members(process.pid):
        os.killpg(process.pid, signal.SIGKILL)


class SippPeer:
    """SIPp as the hotline on 127.0.0.1; ``uri("busy")`` says whom to dial."""

    def __init__(self, workdir: Path, transport: str = "udp", lifetime: int = 900) -> None:
        self.workdir = workdir
        self.transport = transport
        self.lifetime = lifetime  # SIPp's global -timeout: it exits on its own even if we crash
        self.port = 0
        self.process: subprocess.Popen | None = None

    def start(self, attempts: int = 3) -> SippPeer:
        sipp = shutil.which("sipp")
        if sipp is None:
            raise FileNotFoundError("sipp is not installed (Debian package sip-tester)")
        if not AUDIO_PCAP.exists():
            raise FileNotFoundError(f"{AUDIO_PCAP} missing: set REXIAN_SIPP_PCAP to a G.711 A-law pcap")
        self.workdir.mkdir(parents=True, exist_ok=True)
        shutil.copy(SCENARIO, self.workdir / SCENARIO.name)
        shutil.copy(AUDIO_PCAP, self.workdir / "g711a.pcap")
        for attempt in range(1, attempts + 1):  # a port picked as free can be taken before SIPp binds it
            self.port = free_port()
            command = [
                sipp, "-sf", SCENARIO.name, "-t", "t1" if self.transport == "tcp" else "u1",
                "-i", LOOPBACK, "-mi", LOOPBACK, "-ci", LOOPBACK, "-bind_local",
                "-p", str(self.port), "-cp", str(free_port()), "-mp", str(free_port()),
                "-nostdin", "-timeout", f"{self.lifetime}s", "-trace_msg", "-trace_err",
            ]
            with open(self.log, "wb") as log:
                self.process = subprocess.Popen(
                    command, cwd=self.workdir, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                    stderr=log, start_new_session=True,
                )
            try:
                wait_until_listening(self.process, self.port, self.transport, self.log)
                return self
            except RuntimeError:
                self.stop()
                if attempt == attempts:
                    raise
        raise ValueError("attempts must be at least 1")

    @property
    def log(self) -> Path:
        return self.workdir / "sipp.err"

    def uri(self, user: str) -> str:
        suffix = ";transport=tcp" if self.transport == "tcp" else ""
        return f"sip:{user}@{LOOPBACK}:{self.port}{suffix}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def received(self, call_id: str, count: int, timeout: float = 2.0) -> list[SipMessage]:
        """The first ``count`` messages SIPp received in that call (waits for its trace to catch up)."""
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in self.all_received() if m.call_id == call_id]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.05)

    def all_received(self) -> list[SipMessage]:
        """Every complete message in SIPp's trace of what it received, oldest first."""
        messages = []
        for trace in self.workdir.glob("*_messages.log"):
            parts = _TRACE_SEPARATOR.split(trace.read_text(errors="replace"))
            # split() yields [preamble, direction, text, direction, text, ...]
            for direction, text in zip(parts[1::2], parts[2::2]):
                if direction != "received":
                    continue
                try:
                    messages.append(SipMessage.parse(text.encode()))
                except SipParseError:
                    continue  # SIPp is still writing this one; received() polls again
        return messages

    def stop(self) -> None:
        if self.process is not None:
            stop_group(self.process)

    def __enter__(self) -> SippPeer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
