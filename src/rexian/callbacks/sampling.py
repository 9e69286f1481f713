"""Which finished orders get a satisfaction callback (回访抽样).

Rules (`CallbackSamplingRule`, admin-editable) give a percentage per type,
category and route (dispatched or direct answer); the most specific active
rule wins. The defaults seeded by the migration call back every complaint and
report; merged orders are always called back. The draw is a hash of the order number, so it is reproducible and
cannot be gamed by retrying.
"""

import hashlib

from django.conf import settings

from rexian.callbacks.models import CallbackSamplingRule


def _draw(number: str) -> int:
    return int(hashlib.sha256(number.encode()).hexdigest()[:8], 16) % 100


def sample_percent(order, direct: bool) -> int:
    depths = {}
    if order.category_id:
        depths = {node.pk: index + 1 for index, node in enumerate(order.category.ancestors())}
    route = CallbackSamplingRule.Route.DIRECT if direct else CallbackSamplingRule.Route.DISPATCHED
    matching = [
        rule
        for rule in CallbackSamplingRule.objects.filter(active=True)
        if (rule.category_id is None or rule.category_id in depths)
        and rule.order_type in ("", order.order_type)
        and rule.route in (CallbackSamplingRule.Route.ANY, route)
    ]
    if not matching:
        key = "DIRECT_ANSWER_SAMPLE_PERCENT" if direct else "CALLBACK_SAMPLE_PERCENT"
        return settings.REXIAN[key]
    best = max(
        matching,
        key=lambda rule: (depths.get(rule.category_id, 0), bool(rule.order_type), rule.route != CallbackSamplingRule.Route.ANY),
    )
    return best.percent


def needs_callback(order, direct: bool) -> tuple[bool, str]:
    """(True, "") or (False, the exemption reason recorded on the order).

    A merged order (并单) following its master's answer is never sampled out: the
    citizen was not handled on their own, and the callback is their only say on
    the shared answer (and their way to a 重办). Exemptions that apply to every
    order belong before this rule.
    """
    if order.master_id:
        return True, ""
    percent = sample_percent(order, direct)
    if _draw(order.number) < percent:
        return True, ""
    return False, f"未抽中回访（抽样比例 {percent}%）"
