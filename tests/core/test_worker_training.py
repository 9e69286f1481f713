"""The worker runs routing retraining in a child process, so a long training does
not hold up the channel replies and the deadline sweep."""

import sys
import threading
import time

import pytest

from rexian.core import worker
from rexian.core.worker import ChildProcess, Job
from rexian.routing.models import RoutingKindState, RoutingModelVersion
from tests.processes import database_url


def blocking_child(release, max_runtime=600.0):
    """A stand-in for a long training: runs until the file `release` exists."""
    code = f"import os, time\nwhile not os.path.exists({str(release)!r}): time.sleep(0.02)"
    return ChildProcess([sys.executable, "-c", code], due=lambda: ["unit"], max_runtime=max_runtime)


def test_it_keeps_running_the_other_jobs_while_a_training_runs(tmp_path, monkeypatch):
    training = blocking_child(tmp_path / "release")
    stop = threading.Event()
    runs_during_training = []

    def channels():
        if training.process is not None and training.process.poll() is None:
            runs_during_training.append(time.monotonic())
        if len(runs_during_training) >= 5:
            stop.set()

    monkeypatch.setattr(worker, "jobs", lambda interval, once=False: [
        Job("routing-retrain", 0.01, training), Job("channels", 0.01, channels),
    ])
    worker_thread = threading.Thread(target=worker.run_worker, kwargs={"tick": 0.01, "stop": stop})
    worker_thread.start()
    worker_thread.join(timeout=30)
    assert not worker_thread.is_alive(), "the worker was held up by the training"
    assert len(runs_during_training) == 5
    assert training.process.poll() is not None  # the worker's stop ended its child


def test_it_starts_one_child_at_a_time_and_reports_how_it_ended(tmp_path):
    release = tmp_path / "release"
    training = blocking_child(release)
    assert training().startswith("started child process")
    first = training.process
    assert training() is None and training.process is first  # still running: no second one
    release.touch()
    first.wait(timeout=10)
    assert training() == "child process finished" and training.process is None


def test_it_waits_before_retrying_a_failed_child():
    failing = ChildProcess([sys.executable, "-c", "raise SystemExit(3)"], due=lambda: ["unit"], max_runtime=600.0)
    failing()
    failing.process.wait(timeout=10)
    with pytest.raises(RuntimeError, match="status 3"):
        failing()
    assert failing() is None and failing.process is None  # backing off, not started again at once


def test_a_child_that_hangs_is_stopped_and_backed_off(tmp_path):
    hung = blocking_child(tmp_path / "never", max_runtime=0.2)
    hung()
    child = hung.process
    time.sleep(0.3)
    with pytest.raises(RuntimeError, match="ran over"):
        hung()
    assert child.poll() is not None and hung.process is None  # ended, and its slot free
    assert hung() is None and hung.process is None  # backing off, not started again at once


def test_nothing_is_started_when_no_training_is_due(db, settings):
    settings.REXIAN = {**settings.REXIAN, "ROUTING_RETRAIN_HOURS": 0}
    (retrain,) = [job.run for job in worker.jobs(60) if job.name == "routing-retrain"]
    assert isinstance(retrain, ChildProcess)
    assert retrain() is None and retrain.process is None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_child_process_trains_and_activates_a_model(city, monkeypatch, tmp_path):
    from tests.routing.test_training_fixes import _closed_orders

    _closed_orders(city)
    monkeypatch.setenv("REXIAN_DATABASE_URL", database_url())
    monkeypatch.setenv("REXIAN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("REXIAN_ROUTING_RETRAIN_HOURS", "24")
    (retrain,) = [job.run for job in worker.jobs(60) if job.name == "routing-retrain"]
    assert "unit" in retrain()
    deadline = time.monotonic() + 180
    while (result := retrain()) is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert result == "child process finished"
    version = RoutingModelVersion.objects.get(kind="unit")
    assert version.active and version.training_orders == 60
    state = RoutingKindState.objects.get(kind="unit")
    assert state.retrain_claimed_at is None and state.retrain_attempted_at is not None
    assert not RoutingModelVersion.objects.filter(kind="category").exists()  # one category: nothing to learn
    assert retrain() is None  # not due again for a day
