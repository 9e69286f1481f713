"""The deadline sweep: records 临期 and 超期 once per deadline, with notifications;
and it forgets expired intake Idempotency-Keys.

Rows are claimed with a conditional UPDATE, so several workers can sweep at
once without recording anything twice, and each claim commits with its event.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rexian.orders.models import Notification, WorkOrder, WorkOrderEvent
from rexian.orders.services.intake import purge_intake_keys


@dataclass
class SweepResult:
    due_soon: int = 0
    overdue: int = 0
    intake_keys_purged: int = 0

    def __bool__(self) -> bool:  # the worker logs only sweeps that did something
        return bool(self.due_soon or self.overdue or self.intake_keys_purged)


def _claim_and_record(order_id: int, flag: str, action: str, message: str, now) -> bool:
    with transaction.atomic():
        claimed = WorkOrder.objects.filter(pk=order_id, **{f"{flag}__isnull": True}).update(**{flag: now})
        if not claimed:
            return False
        order = WorkOrder.objects.select_related("current_unit").get(pk=order_id)
        WorkOrderEvent.objects.create(
            order=order,
            action=action,
            from_state=order.state,
            to_state=order.state,
            unit=order.current_unit,
            data={"due_at": order.due_at.isoformat()},
            created_at=now,
        )
        if order.current_unit_id:
            Notification.objects.create(
                order=order, unit=order.current_unit, kind=action, message=message % {"n": order.number, "t": order.title}, created_at=now
            )
    return True


def sweep(now=None, batch: int = 500) -> SweepResult:
    now = now or timezone.now()
    result = SweepResult()
    overdue = WorkOrder.objects.overdue(now).filter(overdue_notified_at__isnull=True)
    for order_id in overdue.values_list("pk", flat=True)[:batch]:
        result.overdue += _claim_and_record(order_id, "overdue_notified_at", "overdue", _("工单已超期：%(n)s %(t)s"), now)
    due_soon = WorkOrder.objects.due_soon(now).filter(due_soon_notified_at__isnull=True)
    for order_id in due_soon.values_list("pk", flat=True)[:batch]:
        result.due_soon += _claim_and_record(order_id, "due_soon_notified_at", "due_soon", _("工单即将到期：%(n)s %(t)s"), now)
    result.intake_keys_purged = purge_intake_keys(now)
    return result
