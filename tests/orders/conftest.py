"""Work-order fixtures: a clock the tests control, and helpers that carry an
order through the workflow and check what each step leaves behind.

`act` takes one action and checks it wrote exactly one event on the order, from
the state before to the state expected, and bumped the version; `refused`
checks an action is refused with the right error and that nothing at all
changed; `carry` walks an order through named steps without ceremony.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from rexian.callbacks.models import Callback
from rexian.orders.models import (
    Assignment,
    ExtensionRequest,
    Notification,
    Reply,
    Supervision,
    WorkOrder,
    WorkOrderEvent,
)
from rexian.orders.services import workflow
from rexian.orders.services.errors import InvalidTransition, NotAllowed
from rexian.workdays import calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Monday with no holiday within three weeks either side: deadlines are easy to reason about.
MONDAY = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)

# Named steps for `carry`: action, who takes it (a key of the `users` fixture), data.
STEPS = {
    "dispatch": ("dispatch", "dispatcher", {"unit": "ZJJ"}),
    "accept": ("accept", "housing", {}),
    "return": ("return", "housing", {"reason": "不属于本单位职责"}),
    "reassign": ("reassign", "dispatcher", {"unit": "ZJJ"}),
    "pass_down": ("pass_down", "housing", {"unit": "ZJJ-WY"}),
    "reply": ("reply", "housing", {"result": "resolved", "content": "已督促物业修复电梯。"}),
    "approve": ("approve", "reviewer", {}),
    "reject": ("reject", "reviewer", {"note": "答复未说明修复时间"}),
    "satisfied": ("callback", "callback", {"result": "satisfied"}),
}


@pytest.fixture(autouse=True)
def _fresh_calendar():
    # The calendar caches overrides for a minute and a rolled-back test sends no
    # post_delete signal: start and leave every test with an empty cache.
    calendar.clear_cache()
    yield
    calendar.clear_cache()


class Clock:
    """Stands in for django.utils.timezone.now, so the workflow's `now` is ours."""

    def __init__(self, now):
        self.current = now

    def __call__(self):
        return self.current

    def set(self, when):
        self.current = when

    def advance(self, **delta):
        self.current += dt.timedelta(**delta)


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    clock = Clock(MONDAY)
    monkeypatch.setattr(timezone, "now", clock)
    return clock


def _resolve(step):
    if isinstance(step, str):
        return STEPS[step]
    return step


@pytest.fixture
def carry(users):
    """carry(order, "dispatch", "accept", ("reply", "housing", {...}), ...) -> the order, reloaded."""

    def run(order, *steps):
        for step in steps:
            name, who, data = _resolve(step)
            workflow.perform(order, name, users[who], dict(data))
        order.refresh_from_db()
        return order

    return run


def _footprint(order) -> dict:
    """Everything an action could change, to prove a refused one changed nothing."""
    return {
        "order": WorkOrder.objects.filter(pk=order.pk).values().get(),
        "assignments": list(Assignment.objects.filter(order=order).order_by("id").values()),
        "replies": list(Reply.objects.filter(order=order).order_by("id").values()),
        "callbacks": list(Callback.objects.filter(order=order).order_by("id").values()),
        "extensions": list(ExtensionRequest.objects.filter(order=order).order_by("id").values()),
        "counts": {
            model.__name__: model.objects.count()
            for model in (WorkOrder, WorkOrderEvent, Assignment, Reply, Callback, ExtensionRequest, Supervision, Notification)
        },
    }


@pytest.fixture
def footprint():
    return _footprint


@pytest.fixture
def act(users):
    """Take one action and check it left exactly one event (from → to) and bumped the version.

    `event` names the event when it differs from the action (callback → redo);
    `to` is the state expected afterwards (default: unchanged).
    """

    def run(order, name, who, data=None, *, to=None, event=None):
        order.refresh_from_db()
        before_state, before_version = order.state, order.version
        last_id = order.events.order_by("-id").values_list("id", flat=True).first()
        result = workflow.perform(order, name, users[who], data or {})
        new_events = list(order.events.filter(id__gt=last_id).order_by("id"))
        assert [e.action for e in new_events] == [event or name]
        written = new_events[0]
        expected = to or before_state
        assert (written.from_state, written.to_state) == (before_state, expected)
        assert written.actor == users[who]
        assert written.actor_role == users[who].role
        order.refresh_from_db()
        assert order.state == expected == result.state
        assert order.version == before_version + 1 == result.version
        return order

    return run


@pytest.fixture
def refused(users):
    """Check `name` is refused with `error` for `who`, names why, and changes nothing.

    `says`: text the message must contain; by default the state's label for an
    InvalidTransition and the role refusal for NotAllowed.
    """

    def run(order, name, who, data=None, *, error=InvalidTransition, says=None):
        order.refresh_from_db()
        before = _footprint(order)
        user = users[who] if isinstance(who, str) else who
        with pytest.raises(error) as caught:
            workflow.perform(order, name, user, data or {})
        err = caught.value
        if says is None and error is InvalidTransition:
            says = order.get_state_display()
        if says is None and error is NotAllowed:
            says = "您的角色不能执行"
        if says:
            assert says in err.message
        if error in (InvalidTransition, NotAllowed):
            allowed = [spec.name for spec in workflow.available_actions(order, user)]
            assert err.details["allowed"] == allowed
            assert name not in allowed
        if error is InvalidTransition:
            assert err.details["state"] == order.state
        assert _footprint(order) == before
        return err

    return run
