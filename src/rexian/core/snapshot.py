"""Per-process snapshots of reference data that every request reads and admins rarely change.

Intake reads the calendar, the deadline policies and the category tree for
every order; fetching them each time would cost several queries per order.
A snapshot is reloaded at most once per `seconds` in each process, and at
once in the process that changes the data (connect `clear` or
`clear_now_and_after_commit` to the models' post_save/post_delete signals).
Other processes see a change within `seconds`.
"""

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Snapshot(Generic[T]):
    instances: "list[Snapshot]" = []

    def __init__(self, load: Callable[[], T], seconds: float = 60):
        Snapshot.instances.append(self)
        self._load, self.seconds = load, seconds
        self._lock = threading.Lock()
        # None means "load on next use": time.monotonic() counts from boot, so
        # a 0.0 sentinel would look fresh for the first minute after a machine starts.
        self._loaded_at: float | None = None
        self._value: T | None = None

    def get(self) -> T:
        with self._lock:
            if self._loaded_at is None or time.monotonic() - self._loaded_at > self.seconds:
                self._value = self._load()
                self._loaded_at = time.monotonic()
            return self._value

    def clear(self, **_signal_kwargs) -> None:
        with self._lock:
            self._loaded_at = None

    def clear_now_and_after_commit(self, **_signal_kwargs) -> None:
        """Clear at once and again after the commit: another thread may reload the old rows in between."""
        from django.db import transaction

        self.clear()
        transaction.on_commit(self.clear)


def clear_all() -> None:
    """Forget every snapshot (tests: a rolled-back transaction sends no signal)."""
    for snapshot in Snapshot.instances:
        snapshot.clear()
