"""The background worker: periodic jobs, one unit of work at a time, clean stop on SIGTERM.

Every job is safe to run in several workers at once (they claim their rows
with conditional UPDATEs), so a large centre simply runs more workers.
"""

import logging
import signal
import threading
import time
from dataclasses import dataclass
from typing import Callable

log = logging.getLogger("rexian.worker")


@dataclass
class Job:
    name: str
    every: float  # seconds
    run: Callable[[], object]
    last: float = float("-inf")


def _sweep():
    from rexian.orders.services.sweep import sweep

    return sweep()


def _expire_articles():
    from rexian.knowledge.services import expire_due

    return expire_due()


def _retrain_routing():
    from rexian.routing.training import retrain_if_due

    return retrain_if_due()


def _channels():
    from rexian.channels.poll_cli import tick

    result = tick()
    return result or None  # an idle tick logs nothing (TickResult is falsy)


def _probe_campaigns():
    from rexian.telephony.scheduler import run_due_calls

    return run_due_calls(limit=4)


def jobs(interval: int) -> list[Job]:
    return [
        Job("sweep", interval, _sweep),
        # SMS, WeChat and web messages must be answered within 3 minutes (GB/T 33358).
        Job("channels", min(interval, 20), _channels),
        Job("knowledge-expiry", 3600, _expire_articles),
        Job("routing-retrain", 3600, _retrain_routing),
        # At most 4 test calls a tick; large campaigns run `rexian campaign run` as processes of their own.
        Job("probe-campaigns", 30, _probe_campaigns),
    ]


def run_once(job: Job) -> None:
    started = time.monotonic()
    try:
        result = job.run()
    except Exception:  # one failing job must not stop the others
        log.exception("job %s failed", job.name)
    else:
        if result:
            log.info("job %s: %s (%.1fs)", job.name, result, time.monotonic() - started)
    job.last = time.monotonic()


def run_worker(interval: int = 60, once: bool = False, tick: float = 1.0) -> None:
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    schedule = jobs(interval)
    log.info("worker started: %s", ", ".join(f"{job.name}/{job.every:g}s" for job in schedule))
    while not stop.is_set():
        for job in schedule:
            if stop.is_set():
                break
            if once or time.monotonic() - job.last >= job.every:
                run_once(job)
        if once:
            break
        stop.wait(tick)
    log.info("worker stopped")
