"""What happens to each demo order: a story, planned as timed workflow steps.

A `Plan` is one order: its intake data, the simulated moment it came in, and
the steps (action, who, data, simulated time) the seeder will take on it through
`workflow.perform`. Stories are chosen so that every state a work order can be
in is present, and histories carry returns, pass-downs, extensions, reviews,
supervision, callbacks with every result, reopened and merged orders.

Steps must be legal at their *simulated* time (a return before the acceptance
deadline, an extension asked before the due date): the services check such
rules against the real clock when the seeder runs, so the stories keep them.
"""

import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.conf import settings
from django.utils import timezone

from rexian.callbacks.choices import CallbackResult
from rexian.demo import texts
from rexian.demo.city import Leaf, unit_username
from rexian.orders.choices import State, Urgency
from rexian.orders.services import deadlines

MIN = timedelta(minutes=1)
# Open orders: their last step stays this far from the moment of seeding.
MARGIN = timedelta(minutes=3)


@dataclass
class Step:
    at: datetime
    action: str
    user: str  # username
    data: dict
    # Taken only when the order is then in one of these states (e.g. a callback
    # the sampling rules may not have asked for).
    only_in: frozenset | None = None
    # The order number of this plan's master goes into data["master"] (known once created).
    needs_master: bool = False


@dataclass
class Plan:
    """One demo order and what will happen to it."""

    index: int
    story: str
    final: str  # the state the story aims at
    leaf: Leaf
    start: datetime
    intake: dict
    registered_by: str
    words: dict
    template: tuple
    steps: list[Step] = field(default_factory=list)
    master: "Plan | None" = None
    order: object = None  # the WorkOrder, once created

    @property
    def last_at(self) -> datetime:
        return self.steps[-1].at if self.steps else self.start


# story: (weight out of ~500, the state it ends in)
STORIES = {
    "closed": (140, State.CLOSED),
    "closed_direct": (50, State.CLOSED),
    "closed_returned": (20, State.CLOSED),
    "closed_passed_down": (22, State.CLOSED),
    "closed_review_rejected": (12, State.CLOSED),
    "closed_redo": (12, State.CLOSED),
    "closed_dissatisfied": (8, State.CLOSED),
    "closed_unreachable": (8, State.CLOSED),
    "closed_extension": (15, State.CLOSED),
    "closed_supervised": (12, State.CLOSED),
    "closed_designated": (2, State.CLOSED),
    "transferred": (8, State.TRANSFERRED),
    "voided": (8, State.VOIDED),
    "registered": (10, State.REGISTERED),
    "dispatched": (18, State.DISPATCHED),
    "returned": (6, State.RETURNED),
    "handling": (30, State.HANDLING),
    "handling_overdue": (22, State.HANDLING),
    "handling_due_soon": (8, State.HANDLING),
    "handling_extension": (8, State.HANDLING),
    "handling_redo": (5, State.HANDLING),
    "replied": (15, State.REPLIED),
    "callback": (15, State.CALLBACK),
    # Planned after the others: they need a master order.
    "merged": (8, State.MERGED),
    "merged_followed": (8, State.CLOSED),
}
MERGE_STORIES = ("merged", "merged_followed")
# Stories whose ending needs a callback, which every complaint gets.
NEEDS_CALLBACK = {"closed_redo", "closed_dissatisfied", "closed_unreachable", "callback", "handling_redo"}
# Leaves people call about most, weighted up.
POPULAR = {"010101": 4, "010102": 2, "010301": 3, "020101": 2, "020102": 4, "040101": 3, "040202": 3, "050101": 2,
           "100101": 3, "100201": 2, "100301": 2, "100401": 3, "030101": 2}
ROUND_THE_CLOCK = {"agent", "dispatcher"} | {unit_username(code) for code in ("SWJT", "GDGS", "RQGS", "RLGS")}
CHANNELS = {"phone": 68, "wechat": 10, "web": 7, "app": 6, "sms": 3, "email": 2, "weibo": 2, "letter": 1, "open311": 1}


def story_list(rng: random.Random, count: int) -> list[str]:
    """Every story once (so every state is present even in a small demo), then by weight."""
    first = list(STORIES)
    if count <= len(first):
        return first[:count]
    weights = [STORIES[name][0] for name in STORIES]
    return first + rng.choices(list(STORIES), weights=weights, k=count - len(first))


class Planner:
    """Invents orders and their stories; deterministic for a given seed and `now`."""

    def __init__(self, rng: random.Random, now: datetime, leaves: list[Leaf], units: dict):
        self.rng = rng
        self.now = now
        self.leaves = leaves
        self.by_code = {leaf.code: leaf for leaf in leaves}
        self.units = units  # code → Department
        self.callers: list[tuple[str, str]] = []
        self.designate_after = settings.REXIAN["DESIGNATE_AFTER_RETURNS"]
        self.max_attempts = settings.REXIAN["CALLBACK_MAX_ATTEMPTS"]

    # ------------------------------------------------------------ orders

    def plans(self, count: int) -> list[Plan]:
        stories = story_list(self.rng, count)
        plans: list[Plan] = []
        for index, story in enumerate(stories):
            if story in MERGE_STORIES:
                continue
            plans.append(self._plan(index, story))
        for index, story in enumerate(stories):
            if story in MERGE_STORIES:
                plan = self._merge_plan(index, story, plans)
                if plan is not None:
                    plans.append(plan)
        return plans

    def _leaf(self, story: str) -> Leaf:
        if story == "closed_direct":
            choices = [leaf for leaf in self.leaves if texts.LEAF_TEXTS[leaf.code].get("answer")]
        else:
            choices = self.leaves
        weights = [POPULAR.get(leaf.code, 1) for leaf in choices]
        return self.rng.choices(choices, weights=weights)[0]

    def _caller(self) -> tuple[str, str]:
        if self.callers and self.rng.random() < 0.12:
            return self.rng.choice(self.callers)  # a repeat caller
        caller = (texts.phone_number(self.rng), texts.person_name(self.rng))
        self.callers.append(caller)
        return caller

    def _intake(self, story: str, leaf: Leaf, where: dict, template=None, words=None) -> tuple[dict, tuple, dict]:
        rng = self.rng
        words = words or texts.words_for(rng, where)
        entry = texts.LEAF_TEXTS[leaf.code]
        template = template or rng.choice(entry["t"])
        title, content = texts.fill(template[0], words), texts.fill(template[1], words)
        if story == "closed_direct":
            order_type = "consult"
        elif story in NEEDS_CALLBACK:
            order_type = "complaint"
        else:
            order_type = rng.choices(list(leaf.types), weights=list(leaf.types.values()))[0]
        urgency = Urgency.NORMAL
        if leaf.code == "100301":  # gas smell: a risk to life and property
            urgency = rng.choice([Urgency.EMERGENCY, Urgency.URGENT])
        elif rng.random() < 0.05 and story != "closed_direct":
            urgency = Urgency.URGENT
        phone, name = self._caller()
        uses_estate = "{xq}" in template[0] + template[1] or "{addr}" in template[1]
        data = {
            "phone": phone,
            "name": name,
            "order_type": order_type,
            "urgency": urgency,
            "channel": rng.choices(list(CHANNELS), weights=list(CHANNELS.values()))[0],
            "category": leaf.code,
            "title": title,
            "content": content,
            "address": where["addr"] if uses_estate else where["road_addr"],
            "area_code": where["area_code"],
            "confidential": rng.random() < (0.4 if order_type == "report" else 0.05),
        }
        if rng.random() < 0.6:
            data["latitude"], data["longitude"] = str(where["lat"]), str(where["lon"])
        return data, template, words

    def _plan(self, index: int, story: str) -> Plan:
        rng = self.rng
        where = texts.place(rng)
        if story == "transferred":
            code, target, title, content = rng.choice(texts.EMERGENCIES)
            leaf = self.by_code[code]
            data, template, words = self._intake(story, leaf, where)
            data.update(title=title, content=texts.fill(content, words), urgency=Urgency.EMERGENCY, order_type="help",
                        channel="phone", confidential=False)
            words["target"] = target
        elif story == "voided":
            leaf = self._leaf(story)
            data, template, words = self._intake(story, leaf, where)
            title, content = rng.choice(texts.VOID_TEXTS)
            data.update(title=title, content=content, order_type="other", channel="phone", urgency=Urgency.NORMAL,
                        category="", address="", area_code="", confidential=False)
            data.pop("latitude", None), data.pop("longitude", None)
        else:
            leaf = self._leaf(story)
            data, template, words = self._intake(story, leaf, where)
        plan = Plan(index, story, STORIES[story][1], leaf, self.now, data,
                    "dispatcher" if data["channel"] in ("web", "app", "open311") else "agent", words, template)
        # The first telling of each story takes its textbook path, so a small demo still
        # shows every kind of history; later ones vary.
        Story(self, plan, where, first=index < len(STORIES)).write()
        return plan

    def _merge_plan(self, index: int, story: str, plans: list[Plan]) -> Plan | None:
        """A duplicate of an existing order, merged into it (并单)."""
        rng = self.rng
        if story == "merged":
            # Merged after the master's last step, so it stays merged while the master is open.
            masters = [p for p in plans if p.final in (State.REGISTERED, State.DISPATCHED, State.HANDLING)
                       and p.last_at < self.now - timedelta(minutes=30)]
        else:
            # Merged before the master's first answer, so it follows the master to callback.
            masters = [p for p in plans if p.final == State.CLOSED and self._first_answer(p)
                       and self._first_answer(p).at - p.start > timedelta(hours=2)]
        if not masters:
            return None
        master = rng.choice(masters)
        data, template, words = self._intake(story, master.leaf, master.words, master.template, master.words)
        data.update(order_type=master.intake["order_type"], urgency=master.intake["urgency"], category=master.intake["category"],
                    address=master.intake["address"], area_code=master.intake["area_code"], confidential=False)
        if story == "merged":
            latest = min(self.now - timedelta(minutes=15), master.last_at + timedelta(days=3))
            start = master.last_at + (latest - master.last_at) * rng.uniform(0.05, 0.9)
            merge_at = start + (self.now - MARGIN - start) * rng.uniform(0.05, 0.3)
        else:
            answer = self._first_answer(master)
            start = master.start + (answer.at - master.start) * rng.uniform(0.1, 0.6)
            merge_at = start + (answer.at - start) * rng.uniform(0.05, 0.3)
        plan = Plan(index, story, STORIES[story][1], master.leaf, start, data, "agent", words, template, master=master)
        plan.steps.append(Step(merge_at, "merge", "dispatcher", {"note": rng.choice(texts.MERGE_NOTES)}, needs_master=True))
        if story == "merged_followed":
            callback_at = self._first_answer(master).at + timedelta(hours=rng.uniform(20, 60))
            if callback_at < self.now - MARGIN:
                result = rng.choices(["satisfied", "basically"], weights=[3, 1])[0]
                plan.steps.append(Step(callback_at, "callback", "callback", {"result": result, "note": rng.choice(texts.CALLBACK_NOTES[result])},
                                       only_in=frozenset({State.CALLBACK})))
        return plan

    @staticmethod
    def _first_answer(plan: Plan) -> Step | None:
        return next((s for s in plan.steps if s.action in ("approve", "direct_answer")), None)


class Story:
    """Writes one plan's steps, moving a simulated clock `t` forward."""

    def __init__(self, planner: Planner, plan: Plan, where: dict, first: bool = False):
        self.p, self.plan, self.where, self.rng = planner, plan, where, planner.rng
        self.first = first
        self.now = planner.now
        self.limits = None
        self.t = None

    # ------------------------------------------------------------ timing

    def _set_start(self, start: datetime) -> None:
        self.plan.start = self.t = start
        self.due = deadlines.deadline_after(start, self.limits.handle).at

    def _limits(self):
        category = self.plan.leaf.category if self.plan.intake["category"] else None
        return deadlines.limits_for(category, self.plan.intake["order_type"], self.plan.intake["urgency"])

    def _daytime(self, day_start: datetime) -> datetime:
        """A moment on that day, most calls coming between 8:00 and 22:00."""
        local = timezone.localtime(day_start).replace(hour=0, minute=0, second=0, microsecond=0)
        hour = self.rng.choices(range(24), weights=[1, 1, 1, 1, 1, 1, 2, 4, 8, 10, 10, 9, 7, 8, 9, 9, 8, 7, 6, 6, 5, 4, 3, 2])[0]
        return local + timedelta(hours=hour, minutes=self.rng.uniform(0, 60))

    def _past(self, lo_days: float, hi_days: float, daytime=True) -> datetime:
        moment = self.now - timedelta(days=self.rng.uniform(lo_days, hi_days))
        if daytime:
            moment = self._daytime(moment)
            if moment > self.now - MARGIN:
                moment = self.now - timedelta(minutes=self.rng.uniform(5, 120))
        return moment

    def wait(self, delta: timedelta) -> None:
        self.t += max(delta, MIN) + timedelta(seconds=self.rng.uniform(0, 59))

    def minutes(self, lo, hi):
        return timedelta(minutes=self.rng.uniform(lo, hi))

    def hours(self, lo, hi):
        return timedelta(hours=self.rng.uniform(lo, hi))

    def accept_window(self) -> timedelta:
        unit, amount = self.limits.accept
        if unit == "minutes":
            return timedelta(minutes=amount)
        return timedelta(hours=20)  # a working-day limit always leaves at least this much

    def office_hours(self, action: str, user: str) -> None:
        """Move `t` into 8:00–21:00 for people who work days; the centre's intake and
        dispatch, the utilities' repair crews and emergencies work around the clock."""
        if (user in ROUND_THE_CLOCK or action == "return" or self.plan.intake["urgency"] != Urgency.NORMAL):
            return
        local = timezone.localtime(self.t)
        if 8 <= local.hour < 21:
            return
        day = local.date() if local.hour < 8 else local.date() + timedelta(days=1)
        moved = datetime.combine(day, time(8), tzinfo=local.tzinfo) + self.minutes(0, 180)
        if action == "request_extension" and moved > self.due - timedelta(hours=1):
            return  # must still be asked before the due date
        self.t = moved

    def do(self, action: str, user: str, only_in=None, **data) -> Step:
        self.office_hours(action, user)
        step = Step(self.t, action, user, data, only_in=frozenset(only_in) if only_in else None)
        self.plan.steps.append(step)
        return step

    # ------------------------------------------------------------ units

    def resolve(self, code: str) -> str:
        if code == "@street":
            return self.where["street"]
        if code == "@district":
            return self.where["district"]
        return code

    def lead_unit(self) -> str:
        units = [self.resolve(code) for code in self.plan.leaf.units]
        return units[0] if len(units) == 1 or self.rng.random() < 0.7 else self.rng.choice(units[1:])

    def wrong_unit(self, right: str) -> str:
        right_unit = self.p.units[right]
        candidates = [
            code for code, unit in self.p.units.items()
            if unit.level in ("city", "street") and not unit.path.startswith(right_unit.path)
            and not right_unit.path.startswith(unit.path)
        ]
        return self.rng.choice(sorted(candidates))

    def pass_down_target(self, lead: str) -> str | None:
        unit = self.p.units[lead]
        if unit.level == "district":
            return self.where["street"] if self.where["district"] == lead else f"{lead}-S01"
        if lead == self.where["street"] and self.where["community"]:
            return self.where["community"]
        children = sorted(code for code, u in self.p.units.items() if u.parent_id == unit.pk)
        return children[0] if children else None

    def assisting_for(self, lead: str) -> list[str]:
        if self.rng.random() >= 0.1:
            return []
        other = self.where["street"] if self.p.units[lead].level == "city" else "CGJ"
        a, b = self.p.units[other].path, self.p.units[lead].path
        return [] if a.startswith(b) or b.startswith(a) else [other]

    @staticmethod
    def user(unit: str) -> str:
        return unit_username(unit)

    # ------------------------------------------------------------ phrases

    def dispatch(self, unit: str, action: str = "dispatch", assisting=None) -> None:
        urgent = self.plan.intake["urgency"] != Urgency.NORMAL
        self.wait(self.minutes(2, 10) if urgent else self.minutes(5, 75))
        assisting = self.assisting_for(unit) if assisting is None else assisting
        self.do(action, "dispatcher", unit=unit, assisting=assisting, note=self.rng.choice(texts.DISPATCH_NOTES))
        self.assisting = assisting

    def accept(self, unit: str, late: bool = False) -> None:
        window = self.accept_window()
        self.wait(window * (self.rng.uniform(1.1, 2.5) if late else self.rng.uniform(0.05, 0.7)))
        self.do("accept", self.user(unit))
        for other in getattr(self, "assisting", []):
            self.wait(self.minutes(5, 90))
            self.do("accept", self.user(other), note="协办单位已签收")
        self.assisting = []

    def return_(self, unit: str, right: str) -> None:
        self.wait(self.accept_window() * self.rng.uniform(0.1, 0.8))
        reason = self.rng.choice(texts.RETURN_REASONS).format(right=self.p.units[right].name)
        self.do("return", self.user(unit), reason=reason)

    def handle_time(self, late: bool = False) -> timedelta:
        remaining = self.due - self.t
        if late:
            return max(remaining, timedelta(0)) + self.hours(6, 96)
        if remaining <= timedelta(hours=1):
            return self.hours(1, 24)
        return remaining * self.rng.uniform(0.1, 0.8)

    def reply(self, unit: str, late: bool = False, result: str | None = None) -> None:
        self.wait(self.handle_time(late))
        rng, words, entry = self.rng, self.plan.words, texts.LEAF_TEXTS[self.plan.leaf.code]
        result = result or rng.choices(["resolved", "explained", "unresolvable"], weights=[6, 3, 1])[0]
        data = {"result": result}
        if result == "resolved":
            data["content"] = "经核实，" + texts.fill(rng.choice(entry["fix"]), words) + "。已电话告知市民。"
        elif result == "explained":
            data["content"] = "经核实，" + texts.fill(rng.choice(entry["explain"]), words) + "。"
        else:
            data["reason"] = rng.choice(texts.GENERIC_UNRESOLVABLE)
            data["content"] = "经核实，" + data["reason"] + "。"
        self.do("reply", self.user(unit), **data)

    def review(self, approve: bool = True) -> None:
        self.wait(self.hours(0.5, 8))
        if approve:
            self.do("approve", "reviewer", note="")
        else:
            self.do("reject", "reviewer", note=self.rng.choice(texts.REJECT_NOTES))

    def callback(self, result: str | None = None, reopen: bool = False) -> None:
        self.wait(self.hours(16, 44))
        rng = self.rng
        result = result or rng.choices(["satisfied", "basically"], weights=[7, 3])[0]
        note_key = "dissatisfied_explained" if result == "dissatisfied" and not reopen else result
        data = {"result": result, "note": rng.choice(texts.CALLBACK_NOTES[note_key])}
        if reopen:
            data["reopen"] = True
        self.do("callback", "callback", only_in={State.CALLBACK}, **data)

    def unreachable(self, attempts: int) -> None:
        for _ in range(attempts):
            self.wait(self.hours(2.5, 9) if self.plan.steps[-1].action == "callback" else self.hours(16, 44))
            self.do("callback", "callback", only_in={State.CALLBACK}, result=CallbackResult.UNREACHABLE,
                    note=self.rng.choice(texts.CALLBACK_NOTES["unreachable"]))

    def supervise(self, kind: str, at: datetime | None = None) -> None:
        if at is not None:
            if at > self.now - MARGIN:
                return  # would be in the future
            self.t = max(self.t + MIN, at)
        else:
            self.wait(self.hours(2, 30))
        notes = {"urge": texts.URGE_NOTES, "supervise": texts.SUPERVISE_NOTES, "notice": texts.NOTICE_NOTES}[kind]
        self.do(kind, "supervisor", note=self.rng.choice(notes))

    def extension(self, unit: str, decision: str | None) -> None:
        """Ask for more working days before the due date; `decision` approve/reject/None (pending)."""
        remaining = self.due - self.t
        if remaining < timedelta(hours=3):
            return  # too late to ask: the rules want extensions asked before the due date
        self.t += remaining * self.rng.uniform(0.3, 0.8)
        workdays = self.rng.choice([3, 5] if self.limits.handle[1] <= 5 else [5, 10, 15])
        self.do("request_extension", self.user(unit), workdays=workdays, reason=self.rng.choice(texts.EXTENSION_REASONS))
        if decision is None:
            return
        self.wait(self.hours(0.5, 6))
        if decision == "approve":
            self.do("approve_extension", "dispatcher", note="同意延期。")
            self.due = deadlines.deadline_after(max(self.due, self.t), ("workdays", workdays)).at
        else:
            self.do("reject_extension", "dispatcher", note=self.rng.choice(texts.EXTENSION_REJECT_NOTES))

    def direct_answer(self) -> None:
        self.wait(self.minutes(2, 12))
        entry = texts.LEAF_TEXTS[self.plan.leaf.code]
        content = texts.fill(self.rng.choice(entry.get("answer") or ["已根据知识库向市民解答相关政策和办理渠道。"]), self.plan.words)
        self.do("direct_answer", self.plan.registered_by, content=content, reference=f"知识库：{self.plan.leaf.category.name}")
        self.wait(self.hours(16, 44))
        result = self.rng.choices(["satisfied", "basically", "unreachable"], weights=[6, 3, 1])[0]
        self.do("callback", "callback", only_in={State.CALLBACK}, result=result, note=self.rng.choice(texts.CALLBACK_NOTES[result]))

    # ------------------------------------------------------------ stories

    def handled(self, lead: str) -> str:
        """Dispatch, accept; returns who handles."""
        self.dispatch(lead)
        self.accept(lead, late=self.rng.random() < 0.08)
        return lead

    def write(self) -> None:
        story = self.plan.story
        self.limits = self._limits()
        old = self._past(20, 90)
        getattr(self, f"story_{story}")(old)
        self._fit()

    def _fit(self) -> None:
        """Squeeze the steps into the time before `now` when a story ran past it, keeping their order."""
        plan, limit = self.plan, self.now - MARGIN
        if not plan.steps or plan.last_at <= limit:
            return
        span = plan.last_at - plan.start
        room = max(limit - plan.start, timedelta(minutes=len(plan.steps) + 1))
        for step in plan.steps:
            step.at = plan.start + (step.at - plan.start) * (room / span)

    def story_closed(self, old):
        self._set_start(self._past(1, 90))
        unit = self.handled(self.lead_unit())
        if rng_hit(self.rng, 0.15):
            self.supervise("urge")
        self.reply(unit, late=rng_hit(self.rng, 0.1))
        self.review()
        self.callback()

    def story_closed_direct(self, old):
        self._set_start(self._past(0.5, 90))
        self.direct_answer()

    def story_closed_returned(self, old):
        self._set_start(old)
        right = self.lead_unit()
        wrong = self.wrong_unit(right)
        self.dispatch(wrong, assisting=[])
        self.return_(wrong, right)
        self.dispatch(right, action="reassign")
        self.accept(right)
        self.reply(right)
        self.review()
        self.callback()

    def story_closed_designated(self, old):
        self._set_start(old)
        right = self.lead_unit()
        for round_ in range(self.p.designate_after):
            wrong = self.wrong_unit(right)
            self.dispatch(wrong, action="dispatch" if round_ == 0 else "reassign", assisting=[])
            self.return_(wrong, right)
        self.dispatch(right, action="designate", assisting=[])
        self.accept(right)
        self.reply(right)
        self.review()
        self.callback()

    def _passed_down(self) -> str:
        leaf_units = [self.resolve(code) for code in self.plan.leaf.units]
        lead = next((self.p.units[c].parent.code for c in leaf_units if self.p.units[c].parent_id and self.p.units[c].level == "unit"), None)
        if lead is None or self.rng.random() < 0.5:
            lead = self.where["district"]
        target = self.pass_down_target(lead)
        self.dispatch(lead)
        self.accept(lead)
        self.wait(self.hours(0.5, 5))
        self.do("pass_down", self.user(lead), unit=target, note="请属地核实处理。")
        if not self.first and self.rng.random() < 0.2:
            # The sub-unit sends it back up: the order returns to the parent, still being handled.
            self.return_(target, lead)
            return lead
        self.accept(target)
        return target

    def story_closed_passed_down(self, old):
        self._set_start(old)
        unit = self._passed_down()
        self.reply(unit)
        self.review()
        self.callback()

    def story_closed_review_rejected(self, old):
        self._set_start(old)
        unit = self.handled(self.lead_unit())
        self.reply(unit)
        self.review(approve=False)
        self.reply(unit, result="resolved")
        self.review()
        self.callback("basically" if self.first else None)

    def story_closed_redo(self, old):
        self._set_start(self._past(30, 90))
        unit = self.handled(self.lead_unit())
        self.reply(unit)
        self.review()
        self.callback("dissatisfied", reopen=True)
        self.due = deadlines.deadline_after(self.t, self.limits.handle).at
        self.reply(unit, result="resolved")
        self.review()
        self.callback("satisfied")

    def story_closed_dissatisfied(self, old):
        self._set_start(old)
        unit = self.handled(self.lead_unit())
        self.reply(unit, result=self.rng.choice(["explained", "unresolvable"]))
        self.review()
        self.callback("dissatisfied")

    def story_closed_unreachable(self, old):
        self._set_start(old)
        unit = self.handled(self.lead_unit())
        self.reply(unit)
        self.review()
        self.unreachable(self.p.max_attempts)

    def story_closed_extension(self, old):
        self._set_start(old)
        unit = self.handled(self.lead_unit())
        decision = "approve" if self.first else self.rng.choices(["approve", "reject"], weights=[7, 3])[0]
        self.extension(unit, decision)
        self.reply(unit, late=decision == "reject" and rng_hit(self.rng, 0.5))
        self.review()
        self.callback()

    def story_closed_supervised(self, old):
        self._set_start(self._past(40, 90))
        unit = self.handled(self.lead_unit())
        self.supervise("urge", at=self.due - self.hours(6, 30))
        self.supervise("supervise", at=self.due + self.hours(2, 30))
        if rng_hit(self.rng, 0.3):
            self.supervise("notice")
        self.reply(unit, late=True)
        self.review()
        self.callback(self.rng.choice(["basically", "satisfied", "dissatisfied"]))

    def story_transferred(self, old):
        self._set_start(self._past(0.2, 90))
        self.wait(self.minutes(1, 3))
        self.do("transfer", self.plan.registered_by, target=self.plan.words["target"], note="已三方通话转接。")

    def story_voided(self, old):
        self._set_start(self._past(0.2, 90))
        self.wait(self.minutes(1, 20))
        self.do("void", self.plan.registered_by, reason=self.rng.choice(texts.VOID_REASONS))

    def story_registered(self, old):
        self._set_start(self.now - self.minutes(5, 240))

    def story_dispatched(self, old):
        overdue = rng_hit(self.rng, 0.2)
        self._set_start(self._past(2, 6) if overdue else self.now - self.hours(0.5, 20))
        lead = self.lead_unit()
        if rng_hit(self.rng, 0.25):
            wrong = self.wrong_unit(lead)
            self.dispatch(wrong, assisting=[])
            self.return_(wrong, lead)
            self.dispatch(lead, action="reassign", assisting=[])
        else:
            self.dispatch(lead, assisting=[])

    def story_returned(self, old):
        self._set_start(self.now - self.hours(1, 40))
        right = self.lead_unit()
        wrong = self.wrong_unit(right)
        self.dispatch(wrong, assisting=[])
        self.return_(wrong, right)

    def story_handling(self, old):
        self._set_start(self._past(0.5, 8))
        unit = self.handled(self.lead_unit())
        roll = self.rng.random()
        if roll < 0.15:
            self.reply(unit)
            self.review(approve=False)
        elif roll < 0.3:
            self.supervise("urge")

    def story_handling_overdue(self, old):
        start = self._past(10, 60)
        self._set_start(start)
        while self.due > self.now - self.hours(1, 48):
            self._set_start(self.plan.start - timedelta(days=3))
        unit = self.handled(self.lead_unit())
        if rng_hit(self.rng, 0.6):
            self.supervise("urge", at=self.due - self.hours(4, 24))
        if rng_hit(self.rng, 0.5):
            self.supervise("supervise", at=self.due + self.hours(2, 20))
        del unit

    def story_handling_due_soon(self, old):
        start = self._due_soon_start()
        if start is None:
            # No working-day deadline falls in the next hours (a weekend, or late at night):
            # an emergency, due 24 hours after intake, does.
            self.plan.intake["urgency"] = Urgency.EMERGENCY
            self.limits = self._limits()
            start = self.now - self.hours(2, 18)
        self._set_start(start)
        unit = self.handled(self.lead_unit())
        if rng_hit(self.rng, 0.5):
            self.supervise("urge", at=min(self.now - MARGIN, self.due - self.hours(20, 23)))
        del unit

    def _due_soon_start(self) -> datetime | None:
        window = timedelta(hours=settings.REXIAN["DUE_SOON_HOURS"])
        for back in range(1, 45):
            start = self.now - timedelta(days=back) + self.minutes(-60, 60)
            due = deadlines.deadline_after(start, self.limits.handle).at
            if self.now + timedelta(hours=1) <= due < self.now + window:
                return start
        return None

    def story_handling_extension(self, old):
        self._set_start(self._past(2, 10))
        unit = self.handled(self.lead_unit())
        self.extension(unit, "reject" if self.first else self.rng.choice(["approve", "reject", None]))

    def story_handling_redo(self, old):
        self._set_start(self._past(10, 40))
        unit = self.handled(self.lead_unit())
        self.reply(unit)
        self.review()
        self.callback("dissatisfied", reopen=True)

    def story_replied(self, old):
        self._set_start(self._past(1, 10))
        unit = self.handled(self.lead_unit())
        self.reply(unit)

    def story_callback(self, old):
        self._set_start(self._past(2, 20))
        unit = self.handled(self.lead_unit())
        self.reply(unit)
        self.review()
        if self.p.max_attempts > 1 and rng_hit(self.rng, 0.4):
            self.unreachable(self.rng.randint(1, self.p.max_attempts - 1))


def rng_hit(rng: random.Random, probability: float) -> bool:
    return rng.random() < probability
