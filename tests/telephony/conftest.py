"""Real SIP peers on loopback for the prober tests: SIPp as the hotline,
Kamailio as an authenticating trunk in front of it.

No mocks: the prober talks to the same software a carrier's lab would use.
Every process is started in its own process group, bound to 127.0.0.1 with
a lifetime of its own, and torn down here; teardown fails the run if any
member of the group is still alive.  Missing tools skip the tests on a
developer machine and fail them when CI=true, so CI cannot go green by
silently testing nothing.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from rexian.telephony.sip.testpeer import (
    LOOPBACK,
    SippPeer,
    free_port,
    group_members,
    stop_group,
    wait_until_listening,
)
from tests.conftest import require_tool

HERE = Path(__file__).resolve().parent


def assert_group_gone(process: subprocess.Popen) -> None:
    leftovers = group_members(process.pid)
    assert process.poll() is not None and not leftovers, f"{process.args[0]} left processes {leftovers}"


@pytest.fixture(scope="session")
def hotline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SippPeer]:
    """SIPp on UDP; dial ``hotline.uri("busy")`` and friends (see hotline_uas.xml)."""
    require_tool("sipp", "the prober tests need SIPp (Debian package sip-tester)")
    peer = SippPeer(tmp_path_factory.mktemp("sipp-udp")).start()
    yield peer
    peer.stop()
    assert_group_gone(peer.process)


@pytest.fixture(scope="session")
def tcp_hotline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SippPeer]:
    require_tool("sipp", "the prober tests need SIPp (Debian package sip-tester)")
    peer = SippPeer(tmp_path_factory.mktemp("sipp-tcp"), transport="tcp").start()
    yield peer
    peer.stop()
    assert_group_gone(peer.process)


class KamailioTrunk:
    """Kamailio with kamailio_trunk.cfg: 407 digest challenge, Record-Route, relay to the hotline."""

    LIFETIME = 900  # seconds, like SippPeer's

    def __init__(self, workdir: Path, hotline: SippPeer, algorithm: str) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.log = workdir / "kamailio.log"
        command = [
            # Kamailio has no lifetime option: coreutils' timeout ends it even if pytest is killed.
            "timeout", "--kill-after=5", str(self.LIFETIME), shutil.which("kamailio"), "-f", str(HERE / "kamailio_trunk.cfg"), "-DD", "-E",
            "-Y", str(workdir), "-w", str(workdir), "-l", f"udp:{LOOPBACK}:{self.port}",
            "-A", f'UAS_URI="sip:{LOOPBACK}:{hotline.port}"', "-A", f'AUTH_ALGORITHM="{algorithm}"',
            "-n", "1", "-m", "32", "-M", "8", "-T", "-S",
        ]
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        try:
            wait_until_listening(self.process, self.port, "udp", self.log)
        except RuntimeError:
            self.stop()
            raise

    @property
    def proxy(self) -> str:
        return f"{LOOPBACK}:{self.port}"

    def stop(self) -> None:
        stop_group(self.process)


def _trunk(tmp_path_factory: pytest.TempPathFactory, hotline: SippPeer, algorithm: str) -> Iterator[KamailioTrunk]:
    require_tool("kamailio", "the trunk tests need Kamailio (Debian package kamailio)")
    trunk = KamailioTrunk(tmp_path_factory.mktemp(f"kamailio-{algorithm}"), hotline, algorithm)
    yield trunk
    trunk.stop()
    assert_group_gone(trunk.process)


@pytest.fixture(scope="session")
def trunk(tmp_path_factory: pytest.TempPathFactory, hotline: SippPeer) -> Iterator[KamailioTrunk]:
    yield from _trunk(tmp_path_factory, hotline, "MD5")


@pytest.fixture(scope="session")
def sha256_trunk(tmp_path_factory: pytest.TempPathFactory, hotline: SippPeer) -> Iterator[KamailioTrunk]:
    yield from _trunk(tmp_path_factory, hotline, "SHA-256")
