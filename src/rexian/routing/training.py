"""Training routing models on the centre's own closed orders, and keeping versions.

Labels are the order's category (leaf code) and the unit whose reply closed
it. Labels with fewer than MIN_PER_LABEL examples are left out (the model
cannot calibrate on them) and reported, so the centre sees where its data is thin.
"""

import logging
import time
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rexian.nlp.routing import RoutingModel
from rexian.orders.choices import AssignmentRole, AssignmentStatus, State
from rexian.orders.models import Assignment, WorkOrder
from rexian.routing.models import ModelKind, RoutingModelVersion

MIN_PER_LABEL = 5
MIN_ORDERS = 50
MAX_ORDERS = 200_000  # the newest ones: a city's recent practice is what to learn


log = logging.getLogger("rexian.routing")


class NotEnoughData(Exception):
    pass


class PrunedVersion(Exception):
    """The version's weights were cleared under REXIAN_ROUTING_KEEP_MODELS."""


@dataclass
class TrainingData:
    texts: list[str]
    labels: list[str]
    dropped: dict[str, int]


def order_text(title: str, content: str) -> str:
    return f"{title}\n{content}"


def training_data(kind: str) -> TrainingData:
    closed = WorkOrder.objects.filter(state=State.CLOSED).order_by("-closed_at")
    if kind == ModelKind.CATEGORY:
        rows = list(closed.filter(category__isnull=False).values_list("title", "content", "category__code")[:MAX_ORDERS])
    else:
        done = Assignment.objects.filter(role=AssignmentRole.LEAD, status=AssignmentStatus.DONE)
        rows = list(
            done.filter(order__state=State.CLOSED)
            .order_by("-order__closed_at", "-dispatched_at")
            .values_list("order__title", "order__content", "unit__code")[:MAX_ORDERS]
        )
    counts = Counter(label for _t, _c, label in rows)
    kept = [(title, content, label) for title, content, label in rows if counts[label] >= MIN_PER_LABEL]
    dropped = {label: count for label, count in counts.items() if count < MIN_PER_LABEL}
    return TrainingData([order_text(t, c) for t, c, _l in kept], [label for _t, _c, label in kept], dropped)


def train(kind: str, activate: bool = True) -> RoutingModelVersion:
    data = training_data(kind)
    if len(data.texts) < MIN_ORDERS or len(set(data.labels)) < 2:
        raise NotEnoughData(
            _("已办结工单不足：需要至少 %(n)d 件、2 个以上类别（每类至少 %(m)d 件），目前可用 %(have)d 件。")
            % {"n": MIN_ORDERS, "m": MIN_PER_LABEL, "have": len(data.texts)}
        )
    started = time.perf_counter()
    model = RoutingModel().fit(data.texts, data.labels)
    metrics = {**model.metadata.metrics, "training_seconds": round(time.perf_counter() - started, 2),
               "dropped_labels": data.dropped}
    with transaction.atomic():
        version = RoutingModelVersion.objects.create(
            kind=kind, training_orders=len(data.texts), labels=len(model.labels), metrics=metrics, model=model.to_bytes()
        )
        if activate:
            activate_version(version)
    prune_versions(kind)
    return version


def prune_versions(kind: str, now=None) -> int:
    """Clear the weights of all but the newest ROUTING_KEEP_MODELS versions of
    `kind` (and the active one). The rows stay, with their metrics and the
    suggestions made with them; only a rollback to them is no longer possible."""
    keep = settings.REXIAN["ROUTING_KEEP_MODELS"]
    versions = RoutingModelVersion.objects.filter(kind=kind)
    newest = list(versions.order_by("-created_at", "-pk").values_list("pk", flat=True)[:keep])
    pruned = (
        versions.filter(pruned_at__isnull=True, active=False)
        .exclude(pk__in=newest)
        .update(model=b"", pruned_at=now or timezone.now())
    )
    if pruned:
        log.info("routing: cleared the weights of %d old %s model version(s), keeping the newest %d", pruned, kind, keep)
    return pruned


def activate_version(version: RoutingModelVersion) -> None:
    """Make `version` the one in use (also how a rollback is done)."""
    with transaction.atomic():
        RoutingModelVersion.objects.filter(kind=version.kind, active=True).exclude(pk=version.pk).update(active=False)
        # Conditional: the weights may have been cleared since `version` was read.
        if not RoutingModelVersion.objects.filter(pk=version.pk, pruned_at__isnull=True).update(active=True):
            raise PrunedVersion(
                _("模型版本 #%(pk)s 的权重已按保留策略（REXIAN_ROUTING_KEEP_MODELS）清除，不能再启用；请启用较新的版本或重新训练。")
                % {"pk": version.pk}
            )
        version.active = True


def retrain_if_due(now=None) -> list[RoutingModelVersion]:
    """The worker's scheduled retraining: each kind once per REXIAN_ROUTING_RETRAIN_HOURS."""

    hours = settings.REXIAN["ROUTING_RETRAIN_HOURS"]
    if not hours:
        return []
    now = now or timezone.now()
    trained = []
    for kind in ModelKind.values:
        latest = RoutingModelVersion.objects.filter(kind=kind).order_by("-created_at").values_list("created_at", flat=True).first()
        if latest is not None and now - latest < timezone.timedelta(hours=hours):
            continue
        try:
            trained.append(train(kind))
        except NotEnoughData:
            continue  # a new centre: nothing to learn from yet
    return trained
