from rexian.core import snapshot
from rexian.core.snapshot import Snapshot


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
