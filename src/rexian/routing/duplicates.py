"""Similar open orders from other citizens (并单 candidates), at intake and on an order.

Candidates are the open orders of the last REXIAN_DUPLICATE_WINDOW_DAYS days
that the user may see, narrowed to the same area when one is known; text
similarity (with place names blended in) comes from rexian.nlp.similarity.
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from rexian.nlp.similarity import find_similar
from rexian.orders.choices import State
from rexian.orders.models import WorkOrder

MAX_CANDIDATES = 3000
# Lower than rexian.nlp.similarity's 0.5 (its best precision/recall balance for deciding):
# here a person decides, so a few more candidates cost less than a missed duplicate.
SUGGEST_THRESHOLD = 0.3


def similar_open_orders(user, text: str, area_code: str = "", exclude_phone: str = "", exclude=None, top: int = 5):
    """[(order, score)] best first; the caller's own orders are the repeat-call panel's business."""
    if len(text.strip()) < 4:
        return []
    since = timezone.now() - timedelta(days=settings.REXIAN["DUPLICATE_WINDOW_DAYS"])
    candidates = (
        WorkOrder.objects.visible_to(user)
        .filter(created_at__gte=since)
        .filter(state__in=[State.REGISTERED, State.DISPATCHED, State.RETURNED, State.HANDLING, State.REPLIED])
    )
    if area_code:
        candidates = candidates.filter(Q(area_code="") | Q(area_code__startswith=area_code[:6]))
    if exclude_phone:
        candidates = candidates.exclude(contact_phone=exclude_phone)
    if exclude is not None:
        candidates = candidates.exclude(pk=exclude.pk)
    rows = list(candidates.order_by("-created_at").values_list("pk", "title", "content", "address")[:MAX_CANDIDATES])
    matches = find_similar(
        text, [(pk, f"{title} {content} {address}") for pk, title, content, address in rows], SUGGEST_THRESHOLD, top
    )
    orders = WorkOrder.objects.select_related("current_unit").in_bulk([match.id for match in matches])
    return [(orders[match.id], match.score) for match in matches if match.id in orders]
