"""Moving the demo's workflow steps from the moment they ran to the moment they tell of.

Why this exists: `intake.create_order` takes a `now`, but `workflow.perform`
stamps what it writes with the real clock (`ctx.now = timezone.now()`), and the
demo wants ninety days of history. So the seeder

1. runs every step for real through `workflow.perform`, in the order of the
   steps' simulated times (across all orders), and notes each step's pair
   (real time T it ran at, simulated time S it stands for);
2. `move_to_simulated_times(clock)`: in every table that hangs off a work
   order, every timestamp column holding exactly a step's T is set to its S:
   one UPDATE per column, looking T up in a temporary table. Steps ran in
   simulated order, so T → S keeps the relative order of everything;
3. `recompute_deadlines(order)`: the few values the services *derived* from T
   (签收时限 of each dispatch, 回访时限, the due date after 延期 or 重办, when an
   unanswered callback is retried, whether an accept was late) are computed
   again from S with the same functions and settings the services use.

Only the seeder calls this, inside its own transaction, before anyone has seen
the rows; events stay append-only for everyone else. If the services ever take
an explicit `now`, this module can go.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import DateTimeField

from rexian.orders.choices import DISPATCH_ACTIONS
from rexian.orders.models import WorkOrder
from rexian.orders.services import deadlines

CLOCK_TABLE = "rexian_demo_clock"


def order_models() -> list:
    """WorkOrder and every model with a foreign key to it (events, assignments, callbacks…)."""
    found = {WorkOrder}
    found.update(rel.related_model for rel in WorkOrder._meta.related_objects)
    tables = set(connection.introspection.table_names())  # skips apps whose tables are not migrated
    return sorted((m for m in found if m._meta.managed and m._meta.db_table in tables), key=lambda m: m._meta.label)


def move_to_simulated_times(clock: list[tuple[datetime, datetime]]) -> int:
    """Replace each real step time T by its simulated time S wherever it was stamped; returns rows changed.

    The pairs go into a temporary table, and each timestamp column is rewritten by
    one UPDATE looking its values up there (plain SQL that SQLite and PostgreSQL
    share; the same thing through the ORM, a CASE with a branch per step, spends
    most of its time building expressions).
    """
    quote, adapt = connection.ops.quote_name, connection.ops.adapt_datetimefield_value
    column_type = DateTimeField().db_type(connection)
    changed = 0
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {CLOCK_TABLE} (real_at {column_type} PRIMARY KEY, simulated_at {column_type} NOT NULL)")
        try:
            cursor.executemany(f"INSERT INTO {CLOCK_TABLE} (real_at, simulated_at) VALUES (%s, %s)",
                               [(adapt(real), adapt(simulated)) for real, simulated in clock])
            for model in order_models():
                table = quote(model._meta.db_table)
                for field in model._meta.concrete_fields:
                    if not isinstance(field, DateTimeField):
                        continue
                    column = quote(field.column)
                    cursor.execute(
                        f"UPDATE {table} SET {column} = (SELECT simulated_at FROM {CLOCK_TABLE} WHERE real_at = {table}.{column}) "
                        f"WHERE {column} IN (SELECT real_at FROM {CLOCK_TABLE})"
                    )
                    changed += cursor.rowcount
        finally:
            cursor.execute(f"DROP TABLE {CLOCK_TABLE}")
    return changed


def recompute_deadlines(order: WorkOrder) -> None:
    """Deadlines of `order` as the services would have set them at the simulated times.

    Mirrors: `_create_assignments` (签收时限 from the dispatch time), `_accept`
    (late = accepted after it), `_approve_extension` (new due = deadline after
    max(due, decision time)), `_callback` (重办 restarts the handling limit; an
    unanswered attempt is retried CALLBACK_RETRY_HOURS later) and
    `_to_callback_or_close` (回访时限 from when the callback was created).
    """
    order = WorkOrder.objects.select_related("category").get(pk=order.pk)
    limits = deadlines.limits_for(order.category, order.order_type, order.urgency)

    assignments = list(order.assignments.order_by("dispatched_at", "id"))
    accept_by_assignment = {}
    for assignment in assignments:
        accept = deadlines.deadline_after(assignment.dispatched_at, limits.accept)
        accept_by_assignment[assignment.pk] = accept
        if assignment.accept_deadline != accept.at:
            type(assignment)._base_manager.filter(pk=assignment.pk).update(accept_deadline=accept.at)
            assignment.accept_deadline = accept.at
    leads = [a for a in assignments if a.role == "lead"]
    fields = {}
    if leads:
        accept = accept_by_assignment[leads[-1].pk]
        fields.update(accept_deadline=accept.at, accept_provisional=accept.provisional)

    extensions = {ext.decided_at: ext for ext in order.extensions.exclude(decided_at=None)}
    due = deadlines.deadline_after(order.created_at, limits.handle)
    events = list(order.events.order_by("created_at", "id"))
    for event in events:
        data = dict(event.data)
        if event.action in DISPATCH_ACTIONS:
            lead = next((a for a in leads if a.dispatched_at == event.created_at), None)
            if lead is not None:
                data["accept_deadline"] = lead.accept_deadline.isoformat()
        elif event.action == "accept":
            taken = next((a for a in assignments if a.accepted_at == event.created_at and a.unit_id == event.unit_id), None)
            if taken is not None:
                data["late"] = bool(taken.accept_deadline and event.created_at > taken.accept_deadline)
        elif event.action == "approve_extension" and event.created_at in extensions:
            extension = extensions[event.created_at]
            old = due
            due = deadlines.deadline_after(max(due.at, event.created_at), ("workdays", extension.workdays))
            type(extension)._base_manager.filter(pk=extension.pk).update(old_due_at=old.at, new_due_at=due.at)
            data.update(old_due_at=old.at.isoformat(), new_due_at=due.at.isoformat())
        elif event.action == "redo":
            due = deadlines.deadline_after(event.created_at, limits.handle)
        if data != event.data:
            type(event)._base_manager.filter(pk=event.pk).update(data=data)
    fields.update(due_at=due.at, due_provisional=due.provisional)
    WorkOrder._base_manager.filter(pk=order.pk).update(**fields)

    retry = timedelta(hours=settings.REXIAN.get("CALLBACK_RETRY_HOURS", 0))
    attempts = [e.created_at for e in events if e.action == "callback_attempt"]
    for callback in order.callbacks.all():
        changes = {"due_at": deadlines.deadline_after(callback.created_at, limits.callback).at}
        if getattr(callback, "next_attempt_at", None) is not None:
            end = callback.completed_at or datetime.max.replace(tzinfo=callback.created_at.tzinfo)
            tried = [at for at in attempts if callback.created_at <= at <= end]
            if tried:
                changes["next_attempt_at"] = tried[-1] + retry
        type(callback)._base_manager.filter(pk=callback.pk).update(**changes)
