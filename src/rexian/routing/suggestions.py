"""Routing suggestions for an order: the catalogue first, then the model.

Suggestions are computed when someone first looks at the order for dispatch
(not at intake, which must stay fast) and stored, so what was suggested,
whether it was taken and whether the unit then returned the order are
measured in production.
"""

import threading

from django.conf import settings
from django.db import IntegrityError, transaction

from rexian.directory.models import Category, Department
from rexian.nlp.routing import ModelFormatError, RoutingModel
from rexian.routing import catalogue
from rexian.routing.models import ModelKind, RoutingModelVersion, Suggestion
from rexian.routing.training import order_text

_lock = threading.Lock()
_loaded: dict[str, tuple[int, RoutingModel]] = {}


def active_model(kind: str) -> tuple[RoutingModelVersion, RoutingModel] | None:
    """The active model, loaded once per process and reloaded when another version is activated."""
    version = RoutingModelVersion.objects.filter(kind=kind, active=True).defer("model").first()
    if version is None:
        return None
    with _lock:
        cached = _loaded.get(kind)
        if cached is None or cached[0] != version.pk:
            blob = RoutingModelVersion.objects.values_list("model", flat=True).get(pk=version.pk)
            try:
                _loaded[kind] = (version.pk, RoutingModel.from_bytes(bytes(blob)))
            except ModelFormatError:
                return None  # e.g. trained under another scikit-learn: `rexian routing train` again
        return version, _loaded[kind][1]


def _names(kind: str, codes: list[str]) -> dict[str, str]:
    model = Category if kind == ModelKind.CATEGORY else Department
    return dict(model.objects.filter(code__in=codes).values_list("code", "name"))


def _compute(order, kind: str) -> dict:
    candidates, version = [], None
    loaded = active_model(kind)
    if loaded is not None:
        version, model = loaded
        top = model.predict_top([order_text(order.title, order.content)], k=3)[0]
        names = _names(kind, [code for code, _p in top])
        candidates = [{"code": code, "name": names.get(code, code), "probability": round(p, 4), "source": "model"}
                      for code, p in top]
    catalogue_code = ""
    if kind == ModelKind.UNIT:
        unit = catalogue.best(order.category, order.area_code, f"{order.title} {order.content}")
        catalogue_code = unit.code if unit else ""
    threshold = settings.REXIAN["ROUTING_PRESELECT_CONFIDENCE"] / 100
    preselected = bool(
        candidates and candidates[0]["probability"] >= threshold
        and (kind == ModelKind.CATEGORY or candidates[0]["code"] == catalogue_code)
    )
    return {"model_version": version, "candidates": candidates, "catalogue_code": catalogue_code, "preselected": preselected}


def for_order(order, kind: str) -> Suggestion:
    existing = Suggestion.objects.filter(order=order, kind=kind).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Suggestion.objects.create(order=order, kind=kind, **_compute(order, kind))
    except IntegrityError:  # computed at the same moment by another request
        return Suggestion.objects.get(order=order, kind=kind)


def preselected_unit(suggestion: Suggestion) -> str | None:
    """The unit to pre-select in the dispatch form: the catalogue's, confirmed by a confident model,
    or the catalogue's alone when there is no model; never the model's alone."""
    if suggestion.preselected:
        return suggestion.candidates[0]["code"]
    if suggestion.catalogue_code and not suggestion.candidates:
        return suggestion.catalogue_code
    return None
