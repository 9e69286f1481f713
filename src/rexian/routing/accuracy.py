"""Routing accuracy in production, measured from recorded suggestions (not assumed)."""

from dataclasses import dataclass

from django.db.models import Count, Q

from rexian.routing.models import ModelKind, RoutingKindState, RoutingModelVersion, Suggestion
from rexian.routing.suggestions import load_problem


# Something was suggested when a model made the row or the catalogue named a unit;
# a dispatch with neither says nothing about suggestions, right or wrong.
SUGGESTED = Q(model_version__isnull=False) | ~Q(catalogue_code="")


def production_accuracy(since=None, kind: str = "unit") -> dict:
    """Of the orders whose first dispatch was recorded with something suggested (a
    dispatch with no model and no catalogue rule is left out): how often the suggested unit was taken (the catalogue's,
    else the model's best: suggestions.suggested_unit), how often the chosen unit was
    among the model's three, how often it returned them, and how often a unit was
    pre-selected on the page the dispatcher saw (0 for dispatches nobody looked at)."""
    rows = Suggestion.objects.filter(SUGGESTED, kind=kind).exclude(chosen_code="")
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    counted = rows.aggregate(
        n_dispatched=Count("id"),
        n_taken=Count("id", filter=Q(taken=True)),
        n_returned=Count("id", filter=Q(returned=True)),
        n_taken_returned=Count("id", filter=Q(taken=True, returned=True)),
        n_preselected=Count("id", filter=Q(preselected=True)),
    )
    totals = {key.removeprefix("n_"): value for key, value in counted.items()}
    in_top3 = sum(
        1 for chosen, candidates in rows.values_list("chosen_code", "candidates")
        if chosen in [c["code"] for c in candidates]
    )
    totals["in_top3"] = in_top3
    return totals


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass(frozen=True)
class VersionAccuracy:
    """Production measures of one model version's suggestions (version None: no model,
    the catalogue alone). Rates are None where there is nothing to divide by."""

    version: RoutingModelVersion | None
    made: int  # suggestions stored (shown, or recorded at a dispatch)
    dispatched: int  # first dispatches measured that had something suggested
    unsuggested: int  # first dispatches with nothing suggested (no model, no catalogue rule): not measured
    taken: int
    preselected: int
    taken_preselected: int
    returned_taken: int  # 退单 by the first dispatch's unit when the suggestion was taken
    returned_not_taken: int

    @property
    def taken_rate(self):
        return _rate(self.taken, self.dispatched)

    @property
    def preselected_rate(self):
        return _rate(self.preselected, self.dispatched)

    @property
    def taken_when_preselected(self):
        return _rate(self.taken_preselected, self.preselected)

    @property
    def returned_taken_rate(self):
        return _rate(self.returned_taken, self.taken)

    @property
    def returned_not_taken_rate(self):
        return _rate(self.returned_not_taken, self.dispatched - self.taken)


def accuracy_by_version(kind: str, since=None) -> list[VersionAccuracy]:
    """production_accuracy() per model version that made the suggestions, newest version
    first, suggestions made without a model last."""
    rows = Suggestion.objects.filter(kind=kind)
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    chosen = ~Q(chosen_code="") & SUGGESTED
    counted = (
        rows.values("model_version")
        .annotate(
            n_made=Count("id"),
            n_dispatched=Count("id", filter=chosen),
            n_unsuggested=Count("id", filter=~Q(chosen_code="") & ~SUGGESTED),
            n_taken=Count("id", filter=chosen & Q(taken=True)),
            n_preselected=Count("id", filter=chosen & Q(preselected=True)),
            n_taken_preselected=Count("id", filter=chosen & Q(preselected=True, taken=True)),
            n_returned_taken=Count("id", filter=chosen & Q(taken=True, returned=True)),
            n_returned_not_taken=Count("id", filter=chosen & ~Q(taken=True) & Q(returned=True)),
        )
        .order_by()
    )
    counted = list(counted)  # annotations named n_*: "taken" etc. would shadow the fields in the filters
    versions = RoutingModelVersion.objects.defer("model").in_bulk(
        [row["model_version"] for row in counted if row["model_version"] is not None]
    )
    result = [
        VersionAccuracy(version=versions.get(row.pop("model_version")),
                        **{key.removeprefix("n_"): value for key, value in row.items()})
        for row in counted
    ]
    return sorted(result, key=lambda r: (r.version is not None, r.version.pk if r.version else 0), reverse=True)


@dataclass(frozen=True)
class KindOverview:
    """One kind of model: what is in use, who pinned it, its recent versions and their accuracy."""

    kind: str
    label: str
    active: RoutingModelVersion | None
    state: RoutingKindState | None
    load_problem: str  # the active version cannot be loaded: suggestions use the catalogue alone
    recent: list  # RoutingModelVersion, newest first (weights deferred)
    accuracy: list  # VersionAccuracy

    @property
    def pinned(self) -> bool:
        return bool(self.state and self.state.pinned_at)


RECENT_VERSIONS = 10


def overview(since=None, recent: int = RECENT_VERSIONS, with_accuracy: bool = True) -> list[KindOverview]:
    """For the accuracy page, GET /routing/accuracy and /routing/models: every kind of model."""
    states = RoutingKindState.objects.in_bulk()
    found = []
    for kind, label in ModelKind.choices:
        versions = list(RoutingModelVersion.objects.filter(kind=kind).defer("model").order_by("-created_at", "-pk")[:recent])
        active = next((v for v in versions if v.active), None) or (
            RoutingModelVersion.objects.filter(kind=kind, active=True).defer("model").first()
        )
        found.append(KindOverview(
            kind=kind, label=str(label), active=active, state=states.get(kind),
            load_problem=load_problem(kind) if active else "", recent=versions,
            accuracy=accuracy_by_version(kind, since) if with_accuracy else [],
        ))
    return found
