"""Training routing models on the centre's own closed orders, and keeping versions.

Labels are the order's category (leaf code) and the unit the centre
dispatched it to (the centre-level lead assignment: after 下派 the sub-unit
replied, but the centre chooses the parent). Merged children (并单) are left
out: they repeat their master. Labels with fewer than MIN_PER_LABEL examples
are left out (the model cannot calibrate on them) and reported, so the centre
sees where its data is thin.

An explicit `rexian routing train` activates the new version. The worker's
scheduled retraining does not when an administrator rolled back (the kind is
pinned until someone trains explicitly or resumes it), and keeps a new version
inactive when its cross-validated metrics are worse than the active one's.
"""

import logging
import time
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from rexian.nlp.routing import RoutingModel
from rexian.orders.choices import AssignmentRole, AssignmentStatus, State
from rexian.orders.models import Assignment, WorkOrder
from rexian.routing.models import ModelKind, RoutingKindState, RoutingModelVersion

MIN_PER_LABEL = 5
MIN_ORDERS = 50
MAX_ORDERS = 200_000  # the newest ones: a city's recent practice is what to learn
# A scheduled version replaces the active one unless one of these is worse by more than the tolerance.
COMPARED_METRICS = {"cv_macro_f1": "macro-F1", "cv_accuracy": "准确率"}
METRIC_TOLERANCE = 0.02
# A scheduled retraining whose process died (killed, out of memory) is retried once its claim is this old.
RETRAIN_LEASE = timezone.timedelta(hours=4)


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
    closed = WorkOrder.objects.filter(state=State.CLOSED, master__isnull=True).order_by("-closed_at", "-pk")
    if kind == ModelKind.CATEGORY:
        rows = list(closed.filter(category__isnull=False).values_list("title", "content", "category__code")[:MAX_ORDERS])
    else:
        leads = Assignment.objects.filter(order=OuterRef("pk"), role=AssignmentRole.LEAD)
        # The centre's own choice: parent IS NULL (not a 下派), and not the unit that returned it.
        centre_lead = (
            leads.filter(parent__isnull=True).exclude(status=AssignmentStatus.RETURNED)
            .order_by("-dispatched_at", "-pk").values("unit__code")[:1]
        )
        rows = list(
            closed.filter(Exists(leads.filter(status=AssignmentStatus.DONE)))  # a unit's reply closed it
            .annotate(unit_code=Subquery(centre_lead))
            .filter(unit_code__isnull=False)
            .values_list("title", "content", "unit_code")[:MAX_ORDERS]
        )
    counts = Counter(label for _t, _c, label in rows)
    kept = [(title, content, label) for title, content, label in rows if counts[label] >= MIN_PER_LABEL]
    dropped = {label: count for label, count in counts.items() if count < MIN_PER_LABEL}
    return TrainingData([order_text(t, c) for t, c, _l in kept], [label for _t, _c, label in kept], dropped)


def train(kind: str, activate: bool = True, scheduled: bool = False) -> RoutingModelVersion:
    """Train a new version of `kind`. Explicitly (scheduled=False) it is activated
    when `activate`, which also lifts a rollback's pin; scheduled, it is activated
    only when the kind is not pinned and it is not worse than the active version."""
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
        state = _lock_kind(kind)
        version = RoutingModelVersion.objects.create(
            kind=kind, training_orders=len(data.texts), labels=len(model.labels), metrics=metrics, model=model.to_bytes()
        )
        if scheduled:
            reason = _why_not_activate(state, version)
            if reason:
                version.metrics["not_activated"] = reason
                version.save(update_fields=["metrics"])
                log.warning("routing: scheduled %s model #%s trained but not activated: %s", kind, version.pk, reason)
            else:
                _activate_locked(version, state)
        elif activate:
            _activate_locked(version, state, pinned_by=None)
    prune_versions(kind)
    return version


def _lock_kind(kind: str) -> RoutingKindState:
    """Lock the kind's state row for the rest of the transaction: activations of
    one kind then run one after another instead of failing on one_active_model_per_kind."""
    RoutingKindState.objects.get_or_create(kind=kind)
    return RoutingKindState.objects.select_for_update().get(kind=kind)


def _why_not_activate(state: RoutingKindState, version: RoutingModelVersion) -> str:
    if state.pinned_at:
        return _("管理员已于 %(at)s 回滚并锁定该类模型，定时重训不启用新版本；如需启用，请重新训练或恢复定时重训。") % {
            "at": timezone.localtime(state.pinned_at).strftime("%Y-%m-%d %H:%M")
        }
    active = RoutingModelVersion.objects.filter(kind=version.kind, active=True).defer("model").first()
    if active is None:
        return ""
    for name, label in COMPARED_METRICS.items():
        new, old = version.metrics.get(name), active.metrics.get(name)
        if isinstance(new, (int, float)) and isinstance(old, (int, float)) and new < old - METRIC_TOLERANCE:
            return _(
                "交叉验证%(metric)s %(new).3f 低于当前版本 #%(pk)s 的 %(old).3f（容差 %(tol).2f），未启用；"
                "确认要用它时请在后台启用该版本。"
            ) % {"metric": label, "new": new, "old": old, "pk": active.pk, "tol": METRIC_TOLERANCE}
    return ""


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


def activate_version(version: RoutingModelVersion, pin: bool = True, pinned_by: str = "") -> None:
    """Make `version` the one in use: how a rollback is done. With `pin` (the
    default), the scheduled retraining then leaves this kind alone until someone
    trains explicitly or calls resume_schedule(); without it, a pin is lifted."""
    with transaction.atomic():
        _activate_locked(version, _lock_kind(version.kind), pinned_by=(pinned_by or _("管理员")) if pin else None)


def _activate_locked(version, state: RoutingKindState, pinned_by: str | None = "") -> None:
    """Activate with the kind's row locked. pinned_by: "" keeps the pin as it is,
    None lifts it, anything else pins the kind (who did it)."""
    RoutingModelVersion.objects.filter(kind=version.kind, active=True).exclude(pk=version.pk).update(active=False)
    # Conditional: the weights may have been cleared since `version` was read.
    if not RoutingModelVersion.objects.filter(pk=version.pk, pruned_at__isnull=True).update(active=True):
        raise PrunedVersion(
            _("模型版本 #%(pk)s 的权重已按保留策略（REXIAN_ROUTING_KEEP_MODELS）清除，不能再启用；请启用较新的版本或重新训练。")
            % {"pk": version.pk}
        )
    version.active = True
    if pinned_by is None:
        state.pinned_at, state.pinned_by = None, ""
    elif pinned_by:
        state.pinned_at, state.pinned_by = timezone.now(), pinned_by[:150]
    state.save(update_fields=["pinned_at", "pinned_by"])


def resume_schedule(kind: str) -> bool:
    """Lift a rollback's pin, so the scheduled retraining may activate new versions again."""
    return bool(RoutingKindState.objects.filter(kind=kind, pinned_at__isnull=False).update(pinned_at=None, pinned_by=""))


def retrain_due(now=None) -> list[str]:
    """The kinds the scheduled retraining would train now (a cheap check, no claim)."""
    hours = settings.REXIAN["ROUTING_RETRAIN_HOURS"]
    if not hours:
        return []
    now = now or timezone.now()
    period = timezone.timedelta(hours=hours)
    due = []
    for kind in ModelKind.values:
        state = RoutingKindState.objects.filter(kind=kind).first()
        if state and (
            state.pinned_at
            or (state.retrain_claimed_at and state.retrain_claimed_at > now - RETRAIN_LEASE)
            or (state.retrain_attempted_at and state.retrain_attempted_at > now - period)
        ):
            continue
        if RoutingModelVersion.objects.filter(kind=kind, created_at__gt=now - period).exists():
            continue  # trained (explicitly) within the period
        due.append(kind)
    return due


def _claim_retrain(kind: str, now) -> bool:
    """Claim the kind's scheduled retraining with a conditional UPDATE: of two
    workers that both found it due, one trains and the other finds the claim taken."""
    period = timezone.timedelta(hours=settings.REXIAN["ROUTING_RETRAIN_HOURS"])
    RoutingKindState.objects.get_or_create(kind=kind)
    return bool(
        RoutingKindState.objects.filter(kind=kind, pinned_at__isnull=True)
        .filter(Q(retrain_claimed_at__isnull=True) | Q(retrain_claimed_at__lte=now - RETRAIN_LEASE))
        .filter(Q(retrain_attempted_at__isnull=True) | Q(retrain_attempted_at__lte=now - period))
        .update(retrain_claimed_at=now)
    )


def retrain_if_due(now=None) -> list[RoutingModelVersion]:
    """The worker's scheduled retraining: each kind once per REXIAN_ROUTING_RETRAIN_HOURS,
    not while pinned by a rollback; the new version is activated only if not worse."""
    now = now or timezone.now()
    trained = []
    for kind in retrain_due(now):
        if not _claim_retrain(kind, now):
            continue  # another worker has it
        try:
            trained.append(train(kind, scheduled=True))
        except NotEnoughData:
            continue  # a new centre: nothing to learn from yet
        finally:
            RoutingKindState.objects.filter(kind=kind).update(retrain_claimed_at=None, retrain_attempted_at=now)
    return trained
