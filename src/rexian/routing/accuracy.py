"""Routing accuracy in production, measured from recorded suggestions (not assumed)."""

from django.db.models import Count, Q

from rexian.routing.models import Suggestion


def production_accuracy(since=None, kind: str = "unit") -> dict:
    """Of the orders whose first dispatch was recorded (every one since suggestions are
    recorded at dispatch): how often the suggested unit was taken (the catalogue's,
    else the model's best: suggestions.suggested_unit), how often the chosen unit was
    among the model's three, how often it returned them, and how often a unit was
    pre-selected on the page the dispatcher saw (0 for dispatches nobody looked at)."""
    rows = Suggestion.objects.filter(kind=kind).exclude(chosen_code="")
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
