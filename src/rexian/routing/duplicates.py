"""并单 candidates: similar open orders from other citizens, and the same caller's own open orders.

Similar candidates are the open orders of the last REXIAN_DUPLICATE_WINDOW_DAYS
days that the user may see, narrowed to the same area when one is known; text
similarity (with place names blended in) comes from rexian.nlp.similarity.

Repeat calls (重复来电) are the same caller's other open orders, whatever their
text: portal, WeChat, SMS and e-mail orders never pass the agent's intake
screen, so the order page is where a dispatcher finds them.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from rexian.nlp.similarity import find_similar
from rexian.orders.choices import OPEN_STATES, State
from rexian.orders.models import Citizen, WorkOrder

MAX_CANDIDATES = 3000
# Lower than rexian.nlp.similarity's 0.5 (its best precision/recall balance for deciding):
# here a person decides, so a few more candidates cost less than a missed duplicate.
SUGGEST_THRESHOLD = 0.3
REPEAT_LIMIT = 10


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
    area = area_code.strip()[:6]
    if len(area) == 6 and area.isascii() and area.isdigit():  # half a code typed at intake narrows nothing reliably
        candidates = candidates.filter(Q(area_code="") | Q(area_code__startswith=area))
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


@dataclass(frozen=True)
class RepeatCall:
    """One of the caller's open orders; `via` is the caller's own order merged into it, if any."""

    order: WorkOrder
    via: str = ""


def repeat_call_orders(user, order, limit: int = REPEAT_LIMIT) -> list[RepeatCall]:
    """The same caller's other open orders that `user` may see, newest first (重复来电).

    The same caller: the same citizen, or the same contact phone (an order's
    phone may be a citizen's second number). Phone-less orders (e-mail, WeChat)
    have a citizen of their own, so for them only that citizen counts. A caller's
    order already merged is represented by its master: that is where a new
    duplicate belongs.
    """
    match = Q(citizen_id=order.citizen_id)
    if order.contact_phone:
        # Citizen ids first, as in rexian.orders.services.intake.orders_of_caller: an OR
        # with a join makes PostgreSQL walk every order instead of reading two indexes.
        phone = order.contact_phone
        citizens = list(Citizen.objects.filter(Q(phone=phone) | Q(alt_phone=phone)).values_list("pk", flat=True))
        match |= Q(contact_phone=phone) | Q(citizen_id__in=citizens)
    visible = WorkOrder.objects.visible_to(user)
    own = (visible.filter(match).filter(state__in=sorted(OPEN_STATES | {State.MERGED})).exclude(pk=order.pk)
           .order_by("-created_at").values_list("pk", "state", "master_id", "number")[:limit])
    via = {}  # master pk → the caller's order merged into it
    wanted = []
    for pk, state, master_id, number in own:
        target = master_id if state == State.MERGED else pk
        if target and target != order.pk and target not in wanted:
            wanted.append(target)
            if state == State.MERGED:
                via[target] = number
    found = visible.open().select_related("current_unit").in_bulk(wanted)
    return [RepeatCall(found[pk], via.get(pk, "")) for pk in wanted if pk in found]
