"""Which closed-out orders get a satisfaction callback (回访抽样).

Complaints and reports are always called back; other dispatched orders and
direct answers are sampled at configurable percentages. The draw is a hash of
the order number, so it is reproducible and cannot be gamed by retrying.
"""

import hashlib

from django.conf import settings

from rexian.orders.choices import OrderType

ALWAYS = frozenset({OrderType.COMPLAINT, OrderType.REPORT})


def _draw(number: str) -> int:
    return int(hashlib.sha256(number.encode()).hexdigest()[:8], 16) % 100


def needs_callback(order, direct: bool) -> tuple[bool, str]:
    """(True, "") or (False, the exemption reason recorded on the order)."""
    if order.order_type in ALWAYS:
        return True, ""
    key = "DIRECT_ANSWER_SAMPLE_PERCENT" if direct else "CALLBACK_SAMPLE_PERCENT"
    if _draw(order.number) < settings.REXIAN[key]:
        return True, ""
    return False, "未抽中回访"
