"""The operations KPIs: each one's numerator and denominator, in one table.

Everything is counted from work-order events in the period (local dates,
both ends included), except 办结率, which follows the orders taken in the
period to see how many are closed by its end. docs/metrics.md explains each.
"""

from dataclasses import dataclass

# Event counters the KPIs are built from; see kpis.tally().
REGISTER = "register"
VOID, TRANSFER = "void", "transfer"
DIRECT = "direct_answer"
DISPATCH = "dispatch"
DISPATCHES = ("dispatch", "reassign", "designate", "pass_down")
RETURN = "return"
HANDLED = ("approve", "direct_answer", "follow_master")
CALLED_BACK = ("callback", "redo")
VALID_RESULTS = ("satisfied", "basically", "dissatisfied")


@dataclass(frozen=True)
class Kpi:
    key: str
    label: str
    numerator: str
    denominator: str | None = None  # None: a plain count

    @property
    def is_rate(self) -> bool:
        return self.denominator is not None


KPIS = [
    Kpi("intake", "受理量", "intake"),
    Kpi("direct_answer_rate", "直接答复率", "direct_answers", "valid_intake"),
    Kpi("dispatched", "派单量", "dispatched"),
    Kpi("on_time_accept_rate", "按时签收率", "accepted_on_time", "accepted"),
    Kpi("return_rate", "退单率", "returns", "dispatches"),
    Kpi("completion_rate", "办结率", "cohort_closed", "cohort_valid"),
    Kpi("on_time_completion_rate", "按时办结率", "handled_on_time", "handled"),
    Kpi("overdue", "超期件数", "overdue"),
    Kpi("extension_rate", "延期率", "extensions", "dispatched"),
    Kpi("redo_rate", "重办率", "redo", "called_back"),
    Kpi("callback_rate", "回访率", "called_back", "handled"),
    Kpi("satisfaction_rate", "综合满意率", "satisfied_or_basically", "valid_callbacks"),
    Kpi("dissatisfaction_rate", "不满意率", "dissatisfied", "valid_callbacks"),
]
KPI_BY_KEY = {kpi.key: kpi for kpi in KPIS}
