"""Per-process snapshots of reference data that every request reads and admins rarely change.

Intake reads the calendar, the deadline policies and the category tree for
every order; fetching them each time would cost several queries per order.
A snapshot is reloaded at most once per `seconds` in each process, and at
once in the process that changes the data (`clear_on_change(Model, ...)` in
the app's `ready()`). Other processes see a change within `seconds`.

`SnapshotMap` is the same for values looked up by key (API tokens).
"""

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
T = TypeVar("T")


class _Clearable:
    instances: "list[_Clearable]" = []

    def __init__(self):
        _Clearable.instances.append(self)
        self._lock = threading.Lock()

    def clear(self, **_signal_kwargs) -> None:
        raise NotImplementedError

    def clear_now_and_after_commit(self, **_signal_kwargs) -> None:
        """Clear at once and again after the commit: another thread may reload the old rows in between."""
        from django.db import transaction

        self.clear()
        transaction.on_commit(self.clear)

    def clear_on_change(self, *models) -> None:
        """Clear (at once and after the commit) whenever a row of `models` is saved or deleted."""
        from django.db.models.signals import post_delete, post_save

        for model in models:
            for name, signal in (("saved", post_save), ("deleted", post_delete)):
                uid = f"snapshot-{id(self)}-{model._meta.label}-{name}"
                signal.connect(self.clear_now_and_after_commit, sender=model, dispatch_uid=uid)


class Snapshot(_Clearable, Generic[T]):
    def __init__(self, load: Callable[[], T], seconds: float = 60):
        super().__init__()
        self._load, self.seconds = load, seconds
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


class SnapshotMap(_Clearable, Generic[K, T]):
    """`load(key)` remembered per key for `seconds` (0: not at all).

    A None from `load` (nothing found) is not remembered, so what is created
    is found at once. At most `max_size` keys are kept; when full, all are
    forgotten. A value loaded while `clear` ran is not kept: it may predate
    the change that caused the clear.
    """

    def __init__(self, load: Callable[[K], T | None], seconds: float, max_size: int = 1000):
        super().__init__()
        self._load, self.seconds, self.max_size = load, seconds, max_size
        self._entries: dict[K, tuple[float, T]] = {}
        self._generation = 0

    def get(self, key: K) -> T | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and time.monotonic() - entry[0] <= self.seconds:
                return entry[1]
            generation = self._generation
        value = self._load(key)
        if value is not None and self.seconds > 0:
            with self._lock:
                if generation == self._generation:
                    if len(self._entries) >= self.max_size:
                        self._entries.clear()
                    self._entries[key] = (time.monotonic(), value)
        return value

    def clear(self, **_signal_kwargs) -> None:
        with self._lock:
            self._entries.clear()
            self._generation += 1


def clear_all() -> None:
    """Forget every snapshot (tests: a rolled-back transaction sends no signal)."""
    for snapshot in _Clearable.instances:
        snapshot.clear()
