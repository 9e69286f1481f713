"""Suggestions learn what became of them from the order's events.

The events are written inside the workflow's transaction, with the order row
locked (orders.services.workflow._perform_locked), so the suggestion is created
or updated atomically with the dispatch: if the dispatch rolls back, so does
its record.
"""

from django.db.models.signals import post_save
from django.dispatch import receiver

from rexian.orders.choices import DISPATCH_ACTIONS
from rexian.orders.models import WorkOrderEvent
from rexian.routing import suggestions
from rexian.routing.models import ModelKind, Suggestion



@receiver(post_save, sender=WorkOrderEvent, dispatch_uid="routing-follow-events")
def follow_dispatch(sender, instance: WorkOrderEvent, created: bool, **kwargs):
    if not created or instance.action not in {*DISPATCH_ACTIONS, "return"}:
        return
    if instance.action == "return":
        _follow_return(instance)
        return
    # Only the order's first dispatch measures the suggestions: a reassign after a
    # 退单 is no evidence about what was suggested before it.
    if instance.order.dispatch_count != 1:
        return
    order = instance.order
    # The category as dispatched: the dispatcher may have corrected it in this dispatch.
    chosen = {
        ModelKind.UNIT: instance.unit.code if instance.unit_id else "",
        ModelKind.CATEGORY: order.category.code if order.category_id else "",
    }
    for kind, code in chosen.items():
        suggestion = suggestions.record_at_dispatch(order, instance.created_at, kind)
        if suggestion.chosen_code:
            continue
        suggestion.chosen_code = code
        best = suggestions.suggested_code(suggestion)
        suggestion.taken = bool(best) and best == code
        suggestion.save(update_fields=["chosen_code", "taken"])


def _follow_return(event: WorkOrderEvent) -> None:
    """The unit chosen at the first dispatch returned the order (退单): marked on that
    dispatch's unit and category suggestions alike (a wrong category sends it astray too)."""
    unit = Suggestion.objects.filter(order_id=event.order_id, kind=ModelKind.UNIT).first()
    if unit is None or not unit.chosen_code or not event.unit_id or event.unit.code != unit.chosen_code:
        return
    Suggestion.objects.filter(order_id=event.order_id, returned=False).exclude(chosen_code="").update(returned=True)
