"""Routing suggestions for an order: the catalogue first, then the model.

Suggestions are computed when someone looks at the order for dispatch (not at
intake, which must stay fast), or at the latest inside the first dispatch's
transaction, and stored, so what was suggested, whether it was taken and
whether the unit then returned the order are measured in production.

Until the first dispatch the stored row follows the active model version, the
catalogue and deactivated units (it is what the dispatcher sees); from the
first dispatch on it is frozen: it then records what was shown when the
decision was made.
"""

import logging
import threading

from django.conf import settings
from django.db import IntegrityError, transaction

from rexian.directory.models import Category, Department
from rexian.nlp.routing import ModelFormatError, RoutingModel
from rexian.orders.choices import DISPATCH_ACTIONS
from rexian.routing import catalogue
from rexian.routing.models import ModelKind, RoutingModelVersion, Suggestion
from rexian.routing.training import order_text

log = logging.getLogger(__name__)

_lock = threading.Lock()
_loaded: dict[str, tuple[int, RoutingModel]] = {}
# Versions this process could not load, with why: warned about once, not read again.
# Keyed by (pk, created_at) so a reused primary key (SQLite, tests) is not mistaken for it.
_unloadable: dict[tuple, str] = {}


def active_model(kind: str) -> tuple[RoutingModelVersion, RoutingModel] | None:
    """The active model, loaded once per process and reloaded when another version is activated.

    None when there is none, or when it cannot be loaded (e.g. trained under another
    scikit-learn): suggestions then fall back to the catalogue alone, a warning is
    logged once per version and process, and load_problem() says so for the pages.
    """
    version = RoutingModelVersion.objects.filter(kind=kind, active=True).defer("model").first()
    if version is None:
        return None
    with _lock:
        if (version.pk, version.created_at) in _unloadable:
            return None
        cached = _loaded.get(kind)
        if cached is None or cached[0] != version.pk:
            blob = RoutingModelVersion.objects.values_list("model", flat=True).get(pk=version.pk)
            try:
                _loaded[kind] = (version.pk, RoutingModel.from_bytes(bytes(blob)))
            except ModelFormatError as error:
                _unloadable[(version.pk, version.created_at)] = str(error)
                log.warning("routing: active %s model #%s cannot be loaded (%s); suggestions use the catalogue "
                            "only until `rexian routing train %s` is run", kind, version.pk, error, kind)
                return None
        return version, _loaded[kind][1]


def load_problem(kind: str) -> str:
    """Why the active model of `kind` cannot be used in this process, or "" (none active, or it loads)."""
    active_model(kind)
    key = RoutingModelVersion.objects.filter(kind=kind, active=True).values_list("pk", "created_at").first()
    return _unloadable.get(tuple(key), "") if key is not None else ""


def _names(kind: str, codes: list[str]) -> dict[str, str]:
    model = Category if kind == ModelKind.CATEGORY else Department
    return dict(model.objects.filter(code__in=codes).values_list("code", "name"))


def _inactive(kind: str, codes) -> set[str]:
    model = Category if kind == ModelKind.CATEGORY else Department
    return set(model.objects.filter(code__in=list(codes), active=False).values_list("code", flat=True))


def _matching_rule(order):
    return catalogue.best_rule(order.category, order.area_code, f"{order.title} {order.content}")


def _compute(order, kind: str) -> tuple[dict, object]:
    """The suggestion's stored values, and the catalogue rule behind its catalogue unit."""
    candidates, version = [], None
    loaded = active_model(kind)
    if loaded is not None:
        version, model = loaded
        # Deactivated units (or categories) cannot be chosen: rank past them.
        inactive = _inactive(kind, model.labels)
        top = model.predict_top([order_text(order.title, order.content)], k=min(len(model.labels), 3 + len(inactive)))[0]
        top = [(code, p) for code, p in top if code not in inactive][:3]
        names = _names(kind, [code for code, _p in top])
        candidates = [{"code": code, "name": names.get(code, code), "probability": round(p, 4), "source": "model"}
                      for code, p in top]
    rule = _matching_rule(order) if kind == ModelKind.UNIT else None
    catalogue_code = rule.lead_unit.code if rule else ""
    threshold = settings.REXIAN["ROUTING_PRESELECT_CONFIDENCE"] / 100
    confident = bool(candidates and candidates[0]["probability"] >= threshold)
    if kind == ModelKind.CATEGORY:
        preselected = confident
    else:  # the catalogue's unit, confirmed by a confident model or alone when there is no model
        preselected = bool(catalogue_code) and (
            not candidates or (confident and candidates[0]["code"] == catalogue_code)
        )
    values = {"model_version": version, "candidates": candidates, "catalogue_code": catalogue_code, "preselected": preselected}
    return values, rule


def _differs(row: Suggestion, values: dict) -> bool:
    version = values["model_version"]
    return row.model_version_id != (version.pk if version else None) or any(
        getattr(row, name) != values[name] for name in ("candidates", "catalogue_code", "preselected")
    )


def _dispatched(order) -> bool:
    return (order.dispatch_count or 0) > 0


def for_order(order, kind: str) -> Suggestion:
    """What to show for `order` now, computed from the active model and the catalogue.

    Before the first dispatch the stored row is created or brought up to date (a
    new or rolled-back model version, a catalogue change, a deactivated unit), so
    at the first dispatch it holds what the dispatcher was shown. Once the order
    has been dispatched the row is never changed and none is created (it records
    what the first dispatch was based on): what is shown then is returned unsaved.
    """
    values, rule = _compute(order, kind)
    row = _stored(order, kind, values)
    row.catalogue_match = rule  # for catalogue_rule(): the catalogue is matched once per page
    return row


def _stored(order, kind: str, values: dict) -> Suggestion:
    existing = Suggestion.objects.filter(order=order, kind=kind).first()
    if _dispatched(order) or (existing is not None and existing.chosen_code):
        return Suggestion(order=order, kind=kind, **values)
    if existing is not None:
        if not _differs(existing, values):
            return existing
        # Only while no dispatch has recorded its choice: a dispatch committed meanwhile wins.
        if Suggestion.objects.filter(pk=existing.pk, chosen_code="").update(**values):
            for name, value in values.items():
                setattr(existing, name, value)
            return existing
        return Suggestion(order=order, kind=kind, **values)
    try:
        with transaction.atomic():
            return Suggestion.objects.create(order=order, kind=kind, **values)
    except IntegrityError:  # computed at the same moment by another request
        return Suggestion.objects.get(order=order, kind=kind)


def record_at_dispatch(order, now, kind: str = ModelKind.UNIT) -> Suggestion:
    """The suggestion of `kind` for an order being dispatched for the first time, inside the
    dispatch's transaction (`now` is the dispatch's time). Created here when nobody looked
    first (e.g. an API client): nothing was shown, so nothing is recorded as pre-selected."""
    row = Suggestion.objects.select_for_update().filter(order=order, kind=kind).first()
    if row is not None:
        return row
    values = {**_compute(order, kind)[0], "preselected": False, "created_at": now}
    try:
        with transaction.atomic():
            return Suggestion.objects.create(order=order, kind=kind, **values)
    except IntegrityError:  # a dispatcher's page view stored it at the same moment
        return Suggestion.objects.select_for_update().get(order=order, kind=kind)


def suggested_code(suggestion: Suggestion) -> str:
    """What the suggestion put first, whatever its kind: "taken" is measured against this."""
    if suggestion.kind == ModelKind.UNIT:
        return suggested_unit(suggestion)
    return suggestion.candidates[0]["code"] if suggestion.candidates else ""


def suggested_unit(suggestion: Suggestion) -> str:
    """The unit the suggestion put first: the catalogue's (which is what is pre-selected),
    else the model's best. "Taken" is measured against this."""
    if suggestion.catalogue_code:
        return suggestion.catalogue_code
    return suggestion.candidates[0]["code"] if suggestion.candidates else ""


def preselected_unit(suggestion: Suggestion) -> str | None:
    """The unit to pre-select in the dispatch form: the catalogue's, confirmed by a confident model,
    or the catalogue's alone when there is no model; never the model's alone."""
    if suggestion.preselected:
        return suggestion.catalogue_code or suggestion.candidates[0]["code"]
    return None


def preselected_category(suggestion: Suggestion) -> str | None:
    """The category to pre-select in the dispatch form: the model's best, when it is confident."""
    if suggestion.preselected and suggestion.candidates:
        return suggestion.candidates[0]["code"]
    return None


def catalogue_rule(order, suggestion: Suggestion):
    """The catalogue rule behind the unit suggestion's catalogue unit (its assisting units
    and 依据), or None. Looked up now: once the order was dispatched the stored suggestion
    is frozen, and a rule that no longer names that unit is not shown as its basis."""
    if suggestion.kind != ModelKind.UNIT or not suggestion.catalogue_code:
        return None
    rule = getattr(suggestion, "catalogue_match", None) or _matching_rule(order)
    if rule is None or rule.lead_unit.code != suggestion.catalogue_code:
        return None
    return rule


def active_assisting(rule) -> list:
    """The rule's assisting units that can still be dispatched to (never its lead unit)."""
    if rule is None:
        return []
    return [unit for unit in rule.assisting_units.all() if unit.active and unit.pk != rule.lead_unit_id]


_LOOK_UP = object()


def dispatch_initial(order, unit: Suggestion, category: Suggestion, rule=_LOOK_UP) -> dict[str, dict]:
    """What the dispatch forms (dispatch, reassign, designate) start with.

    The lead unit only as preselected_unit() allows; the catalogue rule's assisting
    units only together with its pre-selected lead (they belong to that rule). The
    category field shows the order's category, or on the first dispatch the model's
    category when it is confident: after a dispatch a dispatcher has already
    confirmed or corrected it, and the model must not nudge that back.
    `rule`: catalogue_rule(order, unit) when the caller has it already.
    """
    lead = preselected_unit(unit)
    if rule is _LOOK_UP:
        rule = catalogue_rule(order, unit)
    assisting = [u.code for u in active_assisting(rule)] if lead else []
    current = order.category.code if order.category_id else None
    initial = {}
    for name in DISPATCH_ACTIONS:
        values = {"category": (preselected_category(category) or current) if name == "dispatch" else current}
        if lead:
            values["unit"] = lead
        if assisting:
            values["assisting"] = assisting
        initial[name] = {key: value for key, value in values.items() if value}
    return initial
