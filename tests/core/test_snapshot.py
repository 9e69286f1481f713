from rexian.core import snapshot
from rexian.core.snapshot import Snapshot, SnapshotMap


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_loads_once_then_again_after_its_age(monkeypatch):
    clock, loads = Clock(), []
    monkeypatch.setattr(snapshot.time, "monotonic", clock)
    data = Snapshot(lambda: loads.append(1) or len(loads), seconds=60)
    assert data.get() == 1
    clock.now += 59
    assert data.get() == 1
    clock.now += 2
    assert data.get() == 2


def test_clear_reloads_on_next_use_even_right_after_boot(monkeypatch):
    monkeypatch.setattr(snapshot.time, "monotonic", lambda: 5.0)
    loads = []
    data = Snapshot(lambda: loads.append(1) or len(loads))
    assert data.get() == 1
    data.clear()
    assert data.get() == 2
    snapshot.clear_all()
    assert data.get() == 3


def test_a_map_remembers_each_key_for_its_age_but_not_a_miss(monkeypatch):
    clock, loads = Clock(), []
    monkeypatch.setattr(snapshot.time, "monotonic", clock)
    found = {"a": "A"}
    data = SnapshotMap(lambda key: loads.append(key) or found.get(key), seconds=10)
    assert (data.get("a"), data.get("a"), data.get("b")) == ("A", "A", None)
    found["b"] = "B"  # created after a miss: found at once
    assert data.get("b") == "B"
    found["a"] = "A2"
    clock.now += 9
    assert data.get("a") == "A"
    clock.now += 2
    assert data.get("a") == "A2"
    assert loads == ["a", "b", "b", "a"]


def test_a_map_forgets_on_clear_and_keeps_nothing_loaded_during_one():
    rows = {"k": "old"}
    data = SnapshotMap(lambda key: rows[key], seconds=60)

    def load_while_another_thread_clears(key):
        value = rows[key]
        data.clear()  # the change lands while this (stale) value is on its way
        rows[key] = "new"
        return value

    data._load = load_while_another_thread_clears
    assert data.get("k") == "old"
    data._load = lambda key: rows[key]
    assert data.get("k") == "new"
    snapshot.clear_all()
    rows["k"] = "newer"
    assert data.get("k") == "newer"


def test_a_map_of_zero_seconds_always_loads_and_a_full_map_starts_over():
    loads = []
    uncached = SnapshotMap(lambda key: loads.append(key) or key, seconds=0)
    assert (uncached.get(1), uncached.get(1)) == (1, 1)
    assert loads == [1, 1]
    small = SnapshotMap(lambda key: loads.append(key) or key, seconds=60, max_size=2)
    for key in (1, 2, 3, 1):
        small.get(key)
    assert loads == [1, 1, 1, 2, 3, 1]  # 3 found the map full: 1 and 2 were forgotten
