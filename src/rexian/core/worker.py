"""The background worker: periodic jobs, one unit of work at a time, clean stop on SIGTERM.

Every job is safe to run in several workers at once (they claim their rows
with conditional UPDATEs), so a large centre simply runs more workers.
Routing retraining (tens of minutes at 200,000 orders) runs in a child process,
so the channel replies (3-minute target) and the deadline sweep go on meanwhile.
"""

import logging
import signal
import subprocess
import sys
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


def _retrain_due():
    from rexian.routing.training import retrain_due

    return retrain_due()


class ChildProcess:
    """A long job run as a child process of the worker, so the other jobs keep their pace.

    At most one child per worker; it is started only when `due()` says there is
    work, and polled on each run. Across workers the child claims its work with
    a conditional UPDATE (a lease), so a second worker's child finds nothing to do.
    """

    # After a failed child, wait this long before starting another (a broken setup would otherwise fail every minute).
    backoff = 3600.0

    def __init__(self, argv: list[str], due: Callable[[], object], max_runtime: float):
        """`max_runtime`: a child running longer is stopped as hung, before its claim's lease
        runs out and another worker would start the same work beside it."""
        self.argv, self.due, self.max_runtime = argv, due, max_runtime
        self.process: subprocess.Popen | None = None
        self.started_at = 0.0
        self.failed_at = float("-inf")

    def __call__(self):
        if self.process is not None:
            status = self.process.poll()
            if status is None and time.monotonic() - self.started_at > self.max_runtime:
                self.stop()
                self.process, self.failed_at = None, time.monotonic()
                raise RuntimeError(f"{' '.join(self.argv[1:])} ran over {self.max_runtime:.0f} s and was stopped")
            if status is None:
                return None  # still running
            self.process = None
            if status:
                self.failed_at = time.monotonic()
                raise RuntimeError(f"{' '.join(self.argv[1:])} exited with status {status}")
            return "child process finished"
        if time.monotonic() - self.failed_at < self.backoff:
            return None
        due = self.due()
        if not due:
            return None
        self.process, self.started_at = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL), time.monotonic()
        return f"started child process {self.process.pid} for {due}"

    def stop(self, timeout: float = 10) -> None:
        """On the worker's stop: end the child (its claim expires, another worker retries later)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _channels():
    from rexian.channels.poll_cli import tick

    result = tick()
    return result or None  # an idle tick logs nothing (TickResult is falsy)


def _hot_issues():
    from rexian.routing import hotissue_store

    return hotissue_store.refresh()


def _probe_campaigns():
    from rexian.telephony.scheduler import run_due_calls

    return run_due_calls(limit=4)


# Under the 4-hour lease a scheduled retraining holds (routing.training.RETRAIN_LEASE).
_RETRAIN_MAX_RUNTIME = 3.5 * 3600


def jobs(interval: int, once: bool = False) -> list[Job]:
    # One round (--once) trains in-process: nothing else waits on it, and the round includes it.
    retrain = _retrain_routing if once else ChildProcess(
        [sys.executable, "-m", "rexian", "routing", "train", "--scheduled"], _retrain_due, _RETRAIN_MAX_RUNTIME
    )
    return [
        Job("sweep", interval, _sweep),
        # SMS, WeChat and web messages must be answered within 3 minutes (GB/T 33358).
        Job("channels", min(interval, 20), _channels),
        Job("knowledge-expiry", 3600, _expire_articles),
        Job("routing-retrain", 60, retrain),
        # At most 4 test calls a tick; large campaigns run `rexian campaign run` as processes of their own.
        Job("probe-campaigns", 30, _probe_campaigns),
        # The supervisor overview's 热点诉求 panel reads what this stores (seconds of clustering on a busy week).
        Job("hot-issues", 600, _hot_issues),
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


def run_worker(interval: int = 60, once: bool = False, tick: float = 1.0, stop: threading.Event | None = None) -> None:
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    schedule = jobs(interval, once=once)
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
    for job in schedule:
        if isinstance(job.run, ChildProcess):
            job.run.stop()
    log.info("worker stopped")
