"""The callback queue: what a callback agent should call next."""

from django.db.models import F, Q
from django.utils import timezone

from rexian.callbacks.choices import CallbackStatus
from rexian.callbacks.models import Callback


def callable_now(now=None):
    """Pending callbacks whose retry wait is over, the most urgent deadline first."""
    now = now or timezone.now()
    return (
        Callback.objects.filter(status=CallbackStatus.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .select_related("order", "order__current_unit")
        .order_by(F("due_at").asc(nulls_last=True), "created_at")
    )


def waiting_for_retry(now=None):
    now = now or timezone.now()
    return Callback.objects.filter(status=CallbackStatus.PENDING, next_attempt_at__gt=now).order_by("next_attempt_at")
