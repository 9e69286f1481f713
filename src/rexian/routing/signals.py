"""Suggestions learn what became of them from the order's events (same transaction)."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from rexian.orders.models import WorkOrderEvent
from rexian.routing.models import ModelKind, Suggestion

DISPATCHES = {"dispatch", "reassign", "designate"}


@receiver(post_save, sender=WorkOrderEvent, dispatch_uid="routing-follow-events")
def follow_dispatch(sender, instance: WorkOrderEvent, created: bool, **kwargs):
    if not created or instance.action not in DISPATCHES | {"return"}:
        return
    suggestion = Suggestion.objects.filter(order_id=instance.order_id, kind=ModelKind.UNIT).first()
    if suggestion is None:
        return
    if instance.action == "return":
        if instance.unit_id and instance.unit.code == suggestion.chosen_code:
            suggestion.returned = True
            suggestion.save(update_fields=["returned"])
        return
    if suggestion.chosen_code:  # only the first dispatch measures the suggestion
        return
    suggestion.chosen_code = instance.unit.code if instance.unit_id else ""
    best = suggestion.candidates[0]["code"] if suggestion.candidates else ""
    suggestion.taken = bool(best) and best == suggestion.chosen_code
    suggestion.save(update_fields=["chosen_code", "taken"])
