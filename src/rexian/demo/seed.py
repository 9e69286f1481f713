"""`seed_demo()`: 示例市 with its units, categories, logins and a few hundred orders.

Idempotent: units, categories, the time-limit rule and logins are created when
missing; orders are generated only when no demo order exists yet (an order
registered by the demo's `agent` or `dispatcher`), so a second run adds nothing.

Orders go through the real service layer: `intake.create_order(now=…)` for the
intake, `workflow.perform` for every later step, so every event, assignment,
reply and callback is what the application itself writes. See `timeline` for
how the steps get their ninety days of history.
"""

import heapq
import random
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from rexian.accounts.roles import Role
from rexian.core.models import AuditAction, AuditEntry
from rexian.demo import city as democity
from rexian.demo import timeline
from rexian.demo.stories import Planner
from rexian.orders.choices import State
from rexian.orders.intake_forms import IntakeForm
from rexian.orders.models import WorkOrder
from rexian.orders.services import intake, workflow
from rexian.orders.services.errors import WorkflowError

DEFAULT_SEED = 12345
INTAKE_USERS = ("agent", "dispatcher")


class DemoError(Exception):
    pass


@dataclass
class DemoResult:
    """What `seed_demo` did, and what the demo city now holds."""

    city: democity.CityResult
    orders_created: int = 0
    orders_existing: int = 0
    states: dict = field(default_factory=dict)
    overdue: int = 0
    due_soon: int = 0
    seconds: float = 0.0

    @property
    def orders(self) -> int:
        return self.orders_created + self.orders_existing

    def summary(self) -> str:
        city = self.city
        lines = [f"{democity.CITY_NAME}演示数据："]
        lines.append(
            f"  承办单位 {city.departments} 个（本次新建 {city.departments_created}），"
            f"诉求分类 {city.categories} 个（本次新建 {city.categories_created}），"
            f"水电气暖 30 分钟签收规则{'已添加' if city.policies_created else '已存在'}。"
        )
        lines.append(f"  演示账号（密码均为 {democity.DEMO_PASSWORD}，仅供体验，切勿用于生产环境）：")
        lines.append("    " + "，".join(f"{label} {name}" for name, _role, _unit, label in democity.ROLE_USERS))
        featured = "，".join(
            f"{name} {democity.unit_username(code)}"
            for code, name, *_ in democity.DEPARTMENTS
            if code in democity.FEATURED_UNITS
        )
        lines.append(f"    承办单位：{featured}……（每个单位一个账号：单位编码小写、去掉连字符）")
        if city.users_created:
            lines.append(f"    本次新建账号 {len(city.users_created)} 个；已存在 {len(city.users_existing)} 个（未改动其密码）。")
        else:
            lines.append(f"    账号均已存在（{len(city.users_existing)} 个），未改动其密码。")
        if self.orders_created:
            lines.append(f"  工单：新生成 {self.orders_created} 件（近 90 天，均经受理与流转服务写入）。")
        elif not self.orders_existing:
            lines.append("  工单：未生成（工单数为 0）。")
        else:
            lines.append(f"  工单：已有 {self.orders_existing} 件演示工单，本次未重复生成。")
        labels = dict(State.choices)
        counts = "，".join(f"{labels[state]} {self.states.get(state, 0)}" for state in State.values)
        lines.append(f"    按状态：{counts}")
        lines.append(f"    未办结工单中超期 {self.overdue} 件，临期 {self.due_soon} 件。")
        lines.append(f"  用时 {self.seconds:.1f} 秒。")
        return "\n".join(lines)


def seed_demo(orders: int = 500, seed: int = DEFAULT_SEED, now=None) -> DemoResult:
    started = time.monotonic()
    city, units, leaves, users = democity.ensure_city()
    result = DemoResult(city=city)
    for name, role in (("agent", Role.AGENT), ("dispatcher", Role.DISPATCHER), ("reviewer", Role.REVIEWER),
                       ("callback", Role.CALLBACK), ("supervisor", Role.SUPERVISOR)):
        if users[name].role != role or not users[name].is_active:
            raise DemoError(f"用户 {name} 已存在但不是启用的“{role.label}”，无法写入演示工单。")
    intake_users = [users[name] for name in INTAKE_USERS]
    demo_orders = WorkOrder.objects.filter(created_by__in=intake_users)
    result.orders_existing = demo_orders.count()
    if not result.orders_existing and orders > 0:
        result.orders_created = _seed_orders(orders, seed, now or timezone.now(), units, leaves, users)
        result.orders_existing = 0
    stats_now = timezone.now()
    result.states = dict(demo_orders.values_list("state").annotate(n=Count("id")).order_by())
    result.overdue = demo_orders.overdue(stats_now).count()
    result.due_soon = demo_orders.due_soon(stats_now).count()
    result.seconds = time.monotonic() - started
    return result


def _seed_orders(count: int, seed: int, now, units, leaves, users) -> int:
    plans = Planner(random.Random(seed), now, leaves, units).plans(count)
    queue = []
    for plan in plans:
        heapq.heappush(queue, (plan.start, len(queue), plan, None))
        for step in plan.steps:
            heapq.heappush(queue, (step.at, len(queue), plan, step))
    clock = []  # (real time the step ran, simulated time it stands for)
    with transaction.atomic():
        while queue:
            at, _seq, plan, step = heapq.heappop(queue)
            if step is None:
                plan.order = _create(plan, users)
            else:
                real = _perform(plan, step, users)
                if real is not None:
                    clock.append((real, at))
        if len({real for real, _ in clock}) != len(clock):
            raise DemoError("两个步骤的执行时间相同，无法还原时间线，请重试。")
        timeline.move_to_simulated_times(clock)
        for plan in plans:
            if plan.steps:
                timeline.recompute_deadlines(plan.order)
        AuditEntry.objects.create(
            actor_name="rexian demo",
            action=AuditAction.CHANGE,
            object_type="demo",
            object_id="orders",
            summary=f"写入{democity.CITY_NAME}演示工单 {len(plans)} 件（近 90 天的模拟数据）",
            via="cli",
        )
    return len(plans)


def _create(plan, users) -> WorkOrder:
    form = IntakeForm(data=plan.intake)
    if not form.is_valid():
        raise DemoError(f"演示工单 {plan.index}（{plan.story}）受理数据无效：{form.errors.as_json()}")
    return intake.create_order(users[plan.registered_by], form.cleaned_data, now=plan.start)


def _perform(plan, step, users):
    """Take one step for real; returns the real time it was stamped with, or None when skipped."""
    order = plan.order
    if step.only_in is not None:
        state = WorkOrder.objects.filter(pk=order.pk).values_list("state", flat=True).get()
        if state not in step.only_in:
            return None
    data = dict(step.data)
    if step.needs_master:
        data["master"] = plan.master.order.number
    if step.action == "request_extension":
        # The rule "ask before the due date" is checked against the real clock; the
        # story asks before the simulated due date, which recompute_deadlines restores.
        WorkOrder.objects.filter(pk=order.pk).update(due_at=timezone.now() + timedelta(days=365))
    try:
        done = workflow.perform(order, step.action, users[step.user], data)
    except WorkflowError as error:
        raise DemoError(
            f"演示工单 {plan.index}（{plan.story}）的步骤 {step.action}（{step.user}）失败：{error.message} {error.details}"
        ) from error
    plan.order = done
    return done.updated_at
