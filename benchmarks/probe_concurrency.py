"""Calls per second of the SIP prober at concurrency 1 and 10, against SIPp on loopback.

    .venv/bin/python benchmarks/probe_concurrency.py [--calls 40]

Each call is a complete answered call (INVITE, 100/183/180, 200, ACK, RTP
sockets, BYE, 200) with zero hold time, so the figure is the prober's own
overhead plus SIPp's, not a network's.  Bounded: at most 200 calls per
level, everything on 127.0.0.1, SIPp stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from rexian.telephony.sip import Outcome, ProbeConfig, place_calls
from rexian.telephony.sip.testpeer import SippPeer


def measure(peer: SippPeer, calls: int, concurrency: int) -> tuple[float, float, int]:
    """(calls per second, median seconds to answer, calls not answered)."""
    config = ProbeConfig(peer.uri("answer"), hold=0.0, ring_timeout=10.0)
    started = time.perf_counter()
    results = asyncio.run(place_calls([config] * calls, concurrency=concurrency))
    elapsed = time.perf_counter() - started
    answer_times = [r.seconds_to_answer for r in results if r.outcome is Outcome.ANSWERED]
    return calls / elapsed, statistics.median(answer_times or [float("nan")]), calls - len(answer_times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=40, choices=range(1, 201), metavar="N(1-200)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir, SippPeer(Path(workdir), lifetime=300) as peer:
        measure(peer, 3, 1)  # warm-up: imports, first sockets
        print(f"{'concurrency':>11} {'calls':>5} {'calls/s':>8} {'median answer s':>15} {'failed':>6}")
        for concurrency in (1, 10):
            rate, median, failed = measure(peer, args.calls, concurrency)
            print(f"{concurrency:>11} {args.calls:>5} {rate:>8.1f} {median:>15.4f} {failed:>6}")


if __name__ == "__main__":
    main()
