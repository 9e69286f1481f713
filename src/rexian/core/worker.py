"""The background worker: periodic jobs, one unit of work at a time, clean stop on SIGTERM."""

import logging
import signal
import threading

from rexian.orders.services.sweep import sweep

log = logging.getLogger("rexian.worker")


def run_worker(interval: int = 60, once: bool = False) -> None:
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    log.info("worker started, interval %ss", interval)
    while not stop.is_set():
        result = sweep()
        if result.due_soon or result.overdue:
            log.info("sweep: %s due soon, %s overdue", result.due_soon, result.overdue)
        if once:
            break
        stop.wait(interval)
    log.info("worker stopped")
