"""Human-readable order numbers: 20261128-00017, one sequence per local day."""

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from rexian.orders.models import DailySequence


def next_number(now=None) -> str:
    """Take the next number for today.

    Runs inside the caller's transaction: the UPDATE locks today's row until
    the intake commits, and a rolled-back intake gives its number back.
    """
    day = timezone.localdate(now or timezone.now())
    if not DailySequence.objects.filter(day=day).update(last=F("last") + 1):
        try:
            with transaction.atomic():
                DailySequence.objects.create(day=day, last=1)
        except IntegrityError:  # another intake created today's row first
            DailySequence.objects.filter(day=day).update(last=F("last") + 1)
    last = DailySequence.objects.get(day=day).last
    return f"{day:%Y%m%d}-{last:05d}"
