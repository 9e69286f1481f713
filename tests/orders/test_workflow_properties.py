"""Random walks through the workflow by random users with plausible parameters.

Whatever anyone tries, after every step: each order's event chain is unbroken
and ends in its state, its version counts the actions taken on it, nothing is
closed without a callback or a recorded exemption, deadlines never precede
intake, exactly the right assignments are live, and a refused action changes
nothing at all.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import transaction
from hypothesis import HealthCheck, event, given, settings as hsettings, strategies as st, target

from rexian.callbacks.choices import CallbackResult
from rexian.callbacks.models import Callback
from rexian.orders.choices import OPEN_STATES, ReplyResult
from rexian.orders.models import (
    Assignment,
    ExtensionRequest,
    Notification,
    Reply,
    Supervision,
    WorkOrder,
    WorkOrderEvent,
)
from rexian.orders.services import intake, workflow
from rexian.orders.services.errors import Conflict, InvalidInput, WorkflowError

SHANGHAI = ZoneInfo("Asia/Shanghai")

WHO = ["agent", "dispatcher", "housing", "property", "urban", "reviewer", "callback", "supervisor", "admin"]
UNITS = ["ZJJ", "ZJJ-WY", "CGJ", "D01", "D01-S01"]
ORDER_TYPES = ["complaint", "consult", "help", "report", "suggestion"]
ACTION_NAMES = sorted(workflow.ACTIONS)

# The parameters of one step; which action, by whom and on which order is drawn as the walk goes.
params = st.fixed_dictionaries(
    {
        "unit": st.sampled_from(UNITS + ["ZJJ", "CGJ"]),
        "assisting": st.lists(st.sampled_from(UNITS), max_size=2, unique=True),
        "master": st.integers(0, 1),
        "reply_result": st.sampled_from(ReplyResult.values),
        "callback_result": st.sampled_from(CallbackResult.values),
        "reopen": st.booleans(),
        "text": st.sampled_from(["", "市民反映属实，已处理", "已与市民沟通"]),
        "workdays": st.integers(1, 5),
        "hours": st.sampled_from([0, 0, 0, 1, 20, 200]),
        "version": st.sampled_from([None, None, None, None, None, "current", "stale"]),
    }
)

# Actions that end or park an order are offered less often, so walks get deep into the loop.
WEIGHT = {name: 10 for name in workflow.ACTIONS}
WEIGHT.update(transfer=1, void=1, merge=2, direct_answer=1, supervise=1, urge=0, notice=0)


def _choose(data, order, users):
    """(action name, user): mostly one the workflow offers someone right now, weighted towards
    the closed loop; sometimes any action by anyone, to be refused."""
    if data.draw(st.integers(0, 9), label="plausible"):
        order = WorkOrder.objects.get(pk=order.pk)
        offered = [
            (spec.name, who)
            for spec in workflow.ACTIONS.values()
            if order.state in spec.states and WEIGHT[spec.name]
            for who in WHO[:-1]
            if users[who].role in spec.roles and not workflow.refusal(order, users[who], spec)
        ]
        if offered:
            weighted = [choice for choice in offered for _ in range(WEIGHT[choice[0]])]
            name, who = data.draw(st.sampled_from(weighted), label="action, who")
            return name, users[who]
    return data.draw(st.sampled_from(ACTION_NAMES), label="action"), users[data.draw(st.sampled_from(WHO), label="who")]


def _data_for(name, step, orders) -> dict:
    text = step["text"]
    return {
        "direct_answer": {"content": text},
        "transfer": {"target": "110", "note": text},
        "void": {"reason": text},
        "return": {"reason": text},
        "dispatch": {"unit": step["unit"], "assisting": step["assisting"]},
        "merge": {"master": orders[step["master"]].number},
        "pass_down": {"unit": step["unit"]},
        "request_extension": {"workdays": step["workdays"], "reason": text},
        "reply": {"result": step["reply_result"], "content": text or "已处理", "reason": text},
        "callback": {"result": step["callback_result"], "reopen": step["reopen"], "note": text},
    }.get(name, {"note": text, "unit": step["unit"], "assisting": step["assisting"]})


def _snapshot(orders) -> list:
    """Every row an action on these orders could write or change (all rows of a walk belong to them)."""
    pks = [order.pk for order in orders]
    rows = [
        list(model.objects.filter(**{lookup: pks}).order_by("pk").values())
        for model, lookup in ((WorkOrder, "pk__in"), (Assignment, "order__in"), (Reply, "order__in"),
                              (Callback, "order__in"), (ExtensionRequest, "order__in"))
    ]
    counts = [model.objects.filter(order__in=pks).count() for model in (WorkOrderEvent, Supervision, Notification)]
    return rows + counts


def _by_order(model, pks) -> dict:
    rows = {pk: [] for pk in pks}
    for row in model.objects.filter(order__in=pks).order_by("id"):
        rows[row.order_id].append(row)
    return rows


def _check_invariants(orders, expected_versions):
    pks = [order.pk for order in orders]
    rows = {row.pk: row for row in WorkOrder.objects.filter(pk__in=pks)}
    events, all_assignments, all_callbacks, all_extensions = (
        _by_order(model, pks) for model in (WorkOrderEvent, Assignment, Callback, ExtensionRequest)
    )
    for pk, order in rows.items():
        trail = events[pk]
        assert (trail[0].action, trail[0].from_state, trail[0].to_state) == ("register", "", "registered")
        for previous, event in zip(trail, trail[1:]):
            assert event.from_state == previous.to_state, (previous.action, event.action)
            assert event.created_at >= previous.created_at
        assert trail[-1].to_state == order.state
        assert order.version == expected_versions[pk]

        assert order.due_at >= order.created_at
        assert order.accept_deadline is None or order.accept_deadline >= order.created_at
        assignments = all_assignments[pk]
        for assignment in assignments:
            assert assignment.accept_deadline >= assignment.dispatched_at >= order.created_at

        callbacks = all_callbacks[pk]
        pending = [c for c in callbacks if c.status == "pending"]
        assert len(pending) == (1 if order.state == "callback" else 0)
        if order.state == "closed":
            assert order.callback_exemption or callbacks[-1].status in ("done", "unreachable")
        assert (order.closed_at is None) == (order.state in OPEN_STATES or order.state == "merged")

        if order.state == "merged":
            master = rows[order.master_id]
            assert master.state in OPEN_STATES and master.state != "merged"
            # A master that has answered already would never take this order along.
            assert master.state != "callback"

        live_leads = [a for a in assignments if a.role == "lead" and a.status in ("pending", "accepted")]
        if order.state in ("dispatched", "handling"):
            assert [(a.unit_id, a.status) for a in live_leads] == [
                (order.current_unit_id, "pending" if order.state == "dispatched" else "accepted")
            ]
        else:
            assert live_leads == []

        actions = [event.action for event in trail]
        assert order.dispatch_count == sum(a in ("dispatch", "reassign", "designate") for a in actions)
        assert order.return_count == sum(e.action == "return" and e.to_state == "returned" for e in trail)
        assert order.redo_count == actions.count("redo")
        assert sum(e.status == "pending" for e in all_extensions[pk]) <= 1


def _walk(users, clock, data, start, types):
    clock.set(start)
    base = {"phone": "13812345678", "title": "电梯故障", "content": "电梯坏了", "category": "010101"}
    orders = [intake.register(users["agent"], {**base, "order_type": kind}) for kind in types]
    expected = {order.pk: 1 for order in orders}
    _check_invariants(orders, expected)
    for _ in range(data.draw(st.integers(4, 25), label="steps")):
        order = orders[data.draw(st.integers(0, 1), label="order")]
        name, user = _choose(data, order, users)
        step = data.draw(params, label="params")
        clock.advance(hours=step["hours"])
        current = WorkOrder.objects.get(pk=order.pk).version
        version = {None: None, "current": current, "stale": current - 1}[step["version"]]
        followers = list(WorkOrder.objects.filter(master=order, state="merged").values_list("pk", flat=True))
        awaiting = list(WorkOrder.objects.filter(master=order, state="callback").values_list("pk", flat=True))
        former_master = WorkOrder.objects.get(pk=order.pk).master_id
        before = _snapshot(orders)
        try:
            workflow.perform(order, name, user, _data_for(name, step, orders), expected_version=version)
        except WorkflowError as error:
            assert _snapshot(orders) == before, error.message
            if step["version"] == "stale" and not isinstance(error, InvalidInput):
                assert isinstance(error, Conflict)  # input is checked first, then the version
        else:
            assert step["version"] != "stale"
            expected[order.pk] += 1
            if name in ("approve", "direct_answer"):
                for pk in followers:
                    expected[pk] += 1
            # Merging, un-merging and a merged citizen's own 重办 touch the master too.
            if name == "merge":
                expected[WorkOrder.objects.get(pk=order.pk).master_id] += 1
            if name in ("unmerge", "callback") and former_master and WorkOrder.objects.get(pk=order.pk).master_id is None:
                expected[former_master] += 1
            # A master's 重办 takes back the merged orders still waiting for their callback.
            if name == "callback" and WorkOrder.objects.get(pk=order.pk).state == "handling":
                for pk in awaiting:
                    expected[pk] += 1
        _check_invariants(orders, expected)
    taken = set(WorkOrderEvent.objects.filter(order__in=orders).values_list("action", flat=True))
    target(len(taken), label="kinds of events")  # steer towards walks that go deep
    for action in taken:
        event(f"took {action}")  # shown by --hypothesis-show-statistics


@hsettings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    day=st.integers(0, 360),
    types=st.lists(st.sampled_from(ORDER_TYPES), min_size=2, max_size=2),
    data=st.data(),
)
def test_random_walks_keep_every_order_consistent(users, city, clock, settings, day, types, data):
    settings.REXIAN = {**settings.REXIAN, "CALLBACK_SAMPLE_PERCENT": 50, "DIRECT_ANSWER_SAMPLE_PERCENT": 50}
    start = dt.datetime(2026, 1, 1, 9, 30, tzinfo=SHANGHAI) + dt.timedelta(days=day)
    # Each example runs in a savepoint that is rolled back: the next starts from the bare city.
    with transaction.atomic():
        _walk(users, clock, data, start, types)
        transaction.set_rollback(True)
