"""Suggestions learn what became of them from the order's events.

The events are written inside the workflow's transaction, with the order row
locked (orders.services.workflow._perform_locked), so the suggestion is created
or updated atomically with the dispatch: if the dispatch rolls back, so does
its record.
"""

from django.db.models.signals import post_save
from django.dispatch import receiver

from rexian.orders.models import WorkOrderEvent
from rexian.routing import suggestions
from rexian.routing.models import ModelKind, Suggestion

DISPATCHES = {"dispatch", "reassign", "designate"}


@receiver(post_save, sender=WorkOrderEvent, dispatch_uid="routing-follow-events")
def follow_dispatch(sender, instance: WorkOrderEvent, created: bool, **kwargs):
    if not created or instance.action not in DISPATCHES | {"return"}:
        return
    if instance.action == "return":
        suggestion = Suggestion.objects.filter(order_id=instance.order_id, kind=ModelKind.UNIT).first()
        if suggestion is not None and suggestion.chosen_code and instance.unit_id and instance.unit.code == suggestion.chosen_code:
            suggestion.returned = True
            suggestion.save(update_fields=["returned"])
        return
    # Only the order's first dispatch measures the suggestion: a reassign after a
    # 退单 is no evidence about what was suggested before it.
    if instance.order.dispatch_count != 1:
        return
    suggestion = suggestions.record_at_dispatch(instance.order, instance.created_at)
    if suggestion.chosen_code:
        return
    suggestion.chosen_code = instance.unit.code if instance.unit_id else ""
    best = suggestions.suggested_unit(suggestion)
    suggestion.taken = bool(best) and best == suggestion.chosen_code
    suggestion.save(update_fields=["chosen_code", "taken"])
