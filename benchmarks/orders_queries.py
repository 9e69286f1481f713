"""Queue and list queries at a million work orders, on PostgreSQL.

    .venv/bin/python benchmarks/orders_queries.py                 # 1,000,000 orders
    .venv/bin/python benchmarks/orders_queries.py --orders 100000 # quicker
    .venv/bin/python benchmarks/orders_queries.py --reuse         # keep the loaded data of an earlier --keep run

Creates the database `rexian_bench` (dropped at the end unless --keep), migrates
it, adds 示例市's units, categories and logins (rexian.demo.city), then bulk-loads
orders with COPY: two years of intake, states by age (old orders closed, recent
ones open), units from the category's dispatch list or the place it happened,
assignments (returns, pass-downs) so that department visibility is realistic.
Then ANALYZE, and each query the UI and API run for a queue or list page is
timed (p50/p95 over up to --runs runs) through the real querysets
(`rexian.orders.queues`, `WorkOrder.objects.visible_to`, the API's keyset page).
Queries over the target print their EXPLAIN ANALYZE. With --try, each of
CANDIDATES (a planner setting, then indexes) is added in turn and every query
timed again, to show what each would buy.
"""

import argparse
import atexit
import json
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from orders_common import (  # noqa: E402
    REPO,
    cpu_seconds,
    machine,
    pg_drop,
    pg_exists,
    pg_recreate,
    pg_url,
    summary_ms,
    table,
)

TARGET_MS = 50.0
DAYS = 730
# (state, weight) by the age of the order in days: old orders are finished, recent ones in flight.
STATE_MIX = [
    (1, {"registered": 8, "dispatched": 22, "returned": 2, "handling": 38, "replied": 6, "callback": 3, "closed": 16, "merged": 2, "transferred": 1, "voided": 2}),
    (3, {"registered": 1, "dispatched": 6, "returned": 1, "handling": 45, "replied": 8, "callback": 8, "closed": 27, "merged": 2, "transferred": 0.5, "voided": 1.5}),
    (15, {"dispatched": 1, "returned": 0.2, "handling": 25, "replied": 4, "callback": 8, "closed": 57, "merged": 2, "transferred": 0.8, "voided": 2}),
    (60, {"handling": 2, "replied": 0.3, "callback": 0.7, "closed": 91, "merged": 2, "transferred": 1, "voided": 3}),
    (10**6, {"handling": 0.03, "callback": 0.02, "closed": 93.95, "merged": 2, "transferred": 1, "voided": 3}),
]
HANDLE_DAYS = {"consult": 4, "help": 4, "complaint": 21, "report": 21, "suggestion": 21, "praise": 21, "other": 21}
DISPATCHED = {"dispatched", "handling", "replied", "callback"}

OPEN = "('registered', 'dispatched', 'returned', 'handling', 'replied', 'callback')"
# What --try adds, phase by phase, to see what each buys (the proposals for the models and docs).
CANDIDATES = [
    ("jit = off", ["SET jit = off"]),
    ("random_page_cost = 1.1（SSD）", ["SET random_page_cost = 1.1"]),
    ("+ 派单记录 (order, unit) 覆盖索引", [
        "CREATE INDEX IF NOT EXISTS bench_asg_order_unit ON orders_assignment (order_id, unit_id) INCLUDE (status)",
        "VACUUM ANALYZE orders_assignment",
    ]),
    ("+ 未办结部分索引 created_at / due_at", [
        f"CREATE INDEX IF NOT EXISTS bench_wo_open_created ON orders_workorder (created_at) WHERE state IN {OPEN}",
        f"CREATE INDEX IF NOT EXISTS bench_wo_open_due ON orders_workorder (due_at) WHERE state IN {OPEN}",
        "ANALYZE orders_workorder",
    ]),
    ("+ pg_trgm GIN（编号/标题/内容/地址）", [
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        "CREATE INDEX IF NOT EXISTS bench_wo_number_trgm ON orders_workorder USING gin (UPPER(number) gin_trgm_ops)",
        "CREATE INDEX IF NOT EXISTS bench_wo_title_trgm ON orders_workorder USING gin (UPPER(title) gin_trgm_ops)",
        "CREATE INDEX IF NOT EXISTS bench_wo_content_trgm ON orders_workorder USING gin (UPPER(content) gin_trgm_ops)",
        "CREATE INDEX IF NOT EXISTS bench_wo_address_trgm ON orders_workorder USING gin (UPPER(address) gin_trgm_ops)",
        "ANALYZE orders_workorder",
    ]),
]
DROP_CANDIDATES = [
    "RESET jit",
    "RESET random_page_cost",
    "DROP INDEX IF EXISTS bench_asg_order_unit",
    "DROP INDEX IF EXISTS bench_wo_open_created",
    "DROP INDEX IF EXISTS bench_wo_open_due",
    "DROP INDEX IF EXISTS bench_wo_number_trgm",
    "DROP INDEX IF EXISTS bench_wo_title_trgm",
    "DROP INDEX IF EXISTS bench_wo_content_trgm",
    "DROP INDEX IF EXISTS bench_wo_address_trgm",
]


# ---------------------------------------------------------------- Django


def setup_django(database: str) -> None:
    os.environ["REXIAN_DATABASE_URL"] = pg_url(database)
    if "REXIAN_DATA_DIR" not in os.environ:  # the secret key file; removed at the end
        os.environ["REXIAN_DATA_DIR"] = TEMP_DATA_DIR = tempfile.mkdtemp(prefix="rexian-bench-")
        atexit.register(shutil.rmtree, TEMP_DATA_DIR, True)
    os.environ["DJANGO_SETTINGS_MODULE"] = "rexian.settings"
    os.environ.setdefault("REXIAN_LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(REPO / "src"))
    import django

    django.setup()


def prepare_schema():
    from django.core.management import call_command
    from django.test import override_settings

    call_command("migrate", interactive=False, verbosity=0)
    # Fast hashing: the logins are only needed as query subjects here.
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        from rexian.demo.city import ensure_city

        return ensure_city()


# ---------------------------------------------------------------- loading


class Loader:
    """Generates the rows in memory order (ids follow intake time) and COPYs them in."""

    def __init__(self, count: int, seed: int = 7):
        from django.utils import timezone

        from rexian.demo import texts
        from rexian.demo.city import CATEGORIES
        from rexian.demo.stories import POPULAR
        from rexian.directory.models import Category, Department

        self.count = count
        self.rng = random.Random(seed)
        self.now = timezone.now()
        self.start = self.now - timedelta(days=DAYS)
        self.tz = timezone.get_current_timezone()
        self.units = {d.code: d for d in Department.objects.all()}
        categories = {c.code: c for c in Category.objects.all()}
        self.leaves = []
        for _top, _name, middles in CATEGORIES:
            for _mid, _mname, leaves in middles:
                for code, _leaf_name, units, types in leaves:
                    entry = texts.LEAF_TEXTS[code]
                    variants = []
                    for n in range(4):  # a few renderings per template: other places, names, numbers
                        where = texts.place(random.Random(f"{code}{n}"))
                        words = texts.words_for(random.Random(f"{code}{n}"), where)
                        variants += [(texts.fill(t, words)[:200], texts.fill(c, words), where["addr"]) for t, c in entry["t"]]
                    self.leaves.append((categories[code].pk, code, units, list(types), list(types.values()), variants))
        self.leaf_weights = [POPULAR.get(leaf[1], 1) for leaf in self.leaves]
        self.streets = [(district, street) for district, (_n, streets) in texts.STREETS.items() for street, *_ in streets]
        self.city_units = [d.pk for d in self.units.values() if d.level == "city"]
        self.children = {}
        for unit in self.units.values():
            if unit.parent_id:
                self.children.setdefault(unit.parent_id, []).append(unit.pk)
        self.citizens = max(1000, count * 6 // 10)

    def _state(self, age_days: float) -> str:
        for limit, mix in STATE_MIX:
            if age_days < limit:
                return self.rng.choices(list(mix), weights=list(mix.values()))[0]
        raise AssertionError

    def _unit(self, units: list[str], district: str, street: str) -> int:
        code = self.rng.choice(units)
        code = {"@street": street, "@district": district}.get(code, code)
        return self.units[code].pk

    def rows(self, agent_id: int, dispatcher_id: int):
        """Yields ('order', row) / ('assignment', row) / ('extension', row) tuples."""
        rng, now, span = self.rng, self.now, timedelta(days=DAYS)
        sequences: dict = {}
        assignment_id = extension_id = 0
        for index in range(self.count):
            pk = index + 1
            created = self.start + span * ((index + rng.random()) / self.count)
            local_day = created.astimezone(self.tz).date()
            sequences[local_day] = sequences.get(local_day, 0) + 1
            number = f"{local_day:%Y%m%d}-{sequences[local_day]:05d}"
            age = (now - created).total_seconds() / 86400
            state = self._state(age)
            category_id, _code, units, types, type_weights, variants = rng.choices(self.leaves, weights=self.leaf_weights)[0]
            order_type = rng.choices(types, weights=type_weights)[0]
            urgency = "normal" if rng.random() < 0.95 else rng.choice(["urgent", "urgent", "urgent", "emergency"])
            handle = timedelta(days=1 if urgency == "emergency" else HANDLE_DAYS[order_type], hours=rng.uniform(-12, 12))
            due = created + handle
            district, street = rng.choice(self.streets)
            title, content, address = rng.choice(variants)
            dispatched = state in DISPATCHED or (state == "closed" and rng.random() < 0.85) or (state == "returned")
            unit_id = None
            closed_at = None
            dispatched_at = created + timedelta(minutes=rng.uniform(5, 90))
            if state in ("closed", "transferred", "voided"):
                closed_at = min(now, created + handle * rng.uniform(0.1, 1.2) if state == "closed" else created + timedelta(minutes=rng.uniform(1, 20)))
            if dispatched:
                lead = self._unit(units, district, street)
                if rng.random() < 0.08:  # first sent to the wrong unit, returned
                    assignment_id += 1
                    wrong = rng.choice(self.city_units)
                    yield "assignment", (assignment_id, pk, wrong, "lead", "returned", None, False, dispatcher_id, dispatched_at,
                                         dispatched_at + timedelta(days=1), None, None, dispatched_at + timedelta(hours=3), "不属于本单位职责")
                    dispatched_at += timedelta(hours=rng.uniform(3, 6))
                if state == "returned":
                    assignment_id += 1
                    yield "assignment", (assignment_id, pk, lead, "lead", "returned", None, False, dispatcher_id, dispatched_at,
                                         dispatched_at + timedelta(days=1), None, None, dispatched_at + timedelta(hours=2), "不属于本单位职责")
                else:
                    status = {"dispatched": "pending", "handling": "accepted"}.get(state, "done")
                    accepted = None if status == "pending" else dispatched_at + timedelta(hours=rng.uniform(0.2, 20))
                    children = self.children.get(lead)
                    parent = None
                    if children and rng.random() < 0.3:  # passed down to a sub-unit
                        assignment_id += 1
                        parent = assignment_id
                        yield "assignment", (assignment_id, pk, lead, "lead", "passed_down", None, False, dispatcher_id, dispatched_at,
                                             dispatched_at + timedelta(days=1), accepted, None, None, "")
                        lead = rng.choice(children)
                    assignment_id += 1
                    yield "assignment", (assignment_id, pk, lead, "lead", status, parent, False, dispatcher_id, dispatched_at,
                                         dispatched_at + timedelta(days=1), accepted, None, None, "")
                    unit_id = lead
                    if state == "handling" and due > now and rng.random() < 0.03:
                        extension_id += 1
                        yield "extension", (extension_id, pk, lead, None, 5, "需协调多个部门", "pending", now - timedelta(hours=rng.uniform(1, 48)),
                                            None, None, "", None, None)
                    elif rng.random() < 0.03:  # an extension decided long ago
                        extension_id += 1
                        asked = min(now, dispatched_at + timedelta(days=rng.uniform(1, 5)))
                        yield "extension", (extension_id, pk, lead, None, 5, "需协调多个部门", rng.choice(["approved", "rejected"]), asked,
                                            dispatcher_id, asked + timedelta(hours=3), "", due, due + timedelta(days=7))
            yield "order", {
                "id": pk,
                "number": number,
                "order_type": order_type,
                "urgency": urgency,
                "channel": rng.choices(["phone", "wechat", "web", "app", "sms"], weights=[70, 12, 8, 7, 3])[0],
                "title": title,
                "content": content,
                "address": address,
                "area_code": "",
                "category_id": category_id,
                "citizen_id": rng.randint(1, self.citizens),
                "contact_phone": f"1{rng.randint(30, 99)}0000{rng.randrange(10000):04d}",
                "confidential": rng.random() < 0.05,
                "state": state,
                "current_unit_id": None if state == "returned" else unit_id,
                "accept_deadline": dispatched_at + timedelta(days=1) if dispatched else None,
                "due_at": due,
                "master_id": max(1, pk - rng.randint(1, 300)) if state == "merged" and pk > 1 else None,
                "dispatch_count": 1 if dispatched else 0,
                "created_by_id": agent_id,
                "created_at": created,
                "updated_at": closed_at or min(now, created + timedelta(hours=rng.uniform(0.1, 48))),
                "closed_at": closed_at,
                "callback_exemption": "" if state != "voided" else "已作废",
            }

    @staticmethod
    def citizen_phone(pk: int) -> str:
        return f"1{30 + pk % 70}0000{pk % 10000:04d}"

    def load(self, connection, agent_id: int, dispatcher_id: int) -> dict:
        from rexian.orders.models import (
            Assignment,
            Citizen,
            ExtensionRequest,
            WorkOrder,
        )

        order_columns, order_defaults = _columns(WorkOrder)
        counts = {"orders": 0, "assignments": 0, "extensions": 0, "citizens": self.citizens}
        with connection.cursor() as cursor:
            raw = cursor.connection  # the psycopg connection, for COPY
            with raw.cursor() as cur:
                # Loading consistent data: skip per-row FK trigger checks (superuser only).
                cur.execute("SET session_replication_role = replica")
                with cur.copy(f"COPY {Citizen._meta.db_table} (id, name, phone, alt_phone, id_number, created_at) FROM STDIN") as copy:
                    for pk in range(1, self.citizens + 1):
                        copy.write_row((pk, "", self.citizen_phone(pk), "", "", self.start))
                assignment_columns = [f.column for f in Assignment._meta.concrete_fields]
                extension_columns = [f.column for f in ExtensionRequest._meta.concrete_fields]
                with cur.copy(f"COPY {WorkOrder._meta.db_table} ({', '.join(order_columns)}) FROM STDIN") as orders:
                    assignments, extensions = [], []
                    for kind, row in self.rows(agent_id, dispatcher_id):
                        if kind == "order":
                            orders.write_row([row.get(column, default) for column, default in zip(order_columns, order_defaults)])
                            counts["orders"] += 1
                        elif kind == "assignment":
                            assignments.append(row)
                        else:
                            extensions.append(row)
                with cur.copy(f"COPY {Assignment._meta.db_table} ({', '.join(assignment_columns)}) FROM STDIN") as copy:
                    for row in assignments:
                        copy.write_row(row)
                counts["assignments"] = len(assignments)
                with cur.copy(f"COPY {ExtensionRequest._meta.db_table} ({', '.join(extension_columns)}) FROM STDIN") as copy:
                    for row in extensions:
                        copy.write_row(row)
                counts["extensions"] = len(extensions)
                cur.execute("SET session_replication_role = DEFAULT")
                for model in (Citizen, WorkOrder, Assignment, ExtensionRequest):
                    cur.execute(
                        f"SELECT setval(pg_get_serial_sequence('{model._meta.db_table}', 'id'), "
                        f"GREATEST((SELECT max(id) FROM {model._meta.db_table}), 1))"
                    )
            raw.commit()
        return counts


def _columns(model):
    """Column names and the value used when the generator leaves a column out."""
    columns, defaults = [], []
    for field in model._meta.concrete_fields:
        columns.append(field.column)
        default = None if field.null else field.get_default()
        defaults.append(default)
    return columns, defaults


# ---------------------------------------------------------------- queries


def queries():
    """(group, label, callable) for every measured query; each callable runs it to the end."""
    from rexian.accounts.models import User
    from rexian.api.pagination import keyset_page
    from rexian.orders import queues
    from rexian.orders.models import WorkOrder

    dispatcher = User.objects.get(username="dispatcher")
    people = {
        "dispatcher": dispatcher,
        "d01 (区县)": User.objects.get(username="d01"),
        "zjj (市级部门)": User.objects.get(username="zjj"),
        "d01s01 (街道)": User.objects.get(username="d01s01"),
    }
    some_number = WorkOrder.objects.order_by("-id").values_list("number", flat=True)[12345 % WorkOrder.objects.count()]

    def page(user, **filters):
        form = queues.OrderFilterForm(filters, user=user)
        orders = form.apply(queues.with_list_relations(WorkOrder.objects.visible_to(user)))
        return lambda: queues.page_of(orders.order_by("-created_at", "-id"), 1)

    def count(user, key):
        condition = queues.QUEUES[key].condition
        return lambda: WorkOrder.objects.visible_to(user).filter(state__in=queues.OPEN_STATES).filter(condition(user, _now())).count()

    items = []
    for name, user in people.items():
        central = user.role != "department"
        keys = ["registered", "dispatched", "handling", "replied", "callback", "due_soon", "overdue"] if central else ["dispatched", "handling", "due_soon", "overdue"]
        items.append((name, "首页计数 board()（一次聚合）", lambda user=user: queues.board(user)))
        for key in keys:
            items.append((name, f"计数 {queues.QUEUES[key].label}", count(user, key)))
        items.append((name, "列表首页（全部，按受理时间倒序）", page(user)))
        items.append((name, "未办结首页 visible_to().open()", lambda user=user: queues.page_of(
            queues.with_list_relations(WorkOrder.objects.visible_to(user).open()).order_by("-created_at", "-id"), 1)))
        items.append((name, "超期列表首页", page(user, queue="overdue")))
        items.append((name, "待签收列表首页", page(user, queue="dispatched")))
        items.append((name, "工作清单 worklist()（按时限）", lambda user=user: list(queues.worklist(user))))
        if central:
            items.append((name, "API 列表首页 keyset_page()", lambda user=user: keyset_page(
                queues.with_list_relations(WorkOrder.objects.visible_to(user)).defer("content"), 50, None)))
            items.append((name, f"按工单编号搜索 q={some_number}", page(user, q=some_number)))
            items.append((name, f"按日期前缀搜索 q={some_number[:8]}", page(user, q=some_number[:8])))
            items.append((name, "按关键词搜索 q=电梯", page(user, q="电梯")))
            for caller, phone in (("老来电人", Loader.citizen_phone(4242)), ("新来电人", "19900000000")):
                items.append((name, f"来电历史（{caller}）", lambda user=user, phone=phone: caller_history(user, phone)))
    return items


def caller_history(user, phone: str) -> list:
    """What the intake screen asks for as the phone rings: the caller's citizen and latest orders."""
    from rexian.orders.models import WorkOrder
    from rexian.orders.services import intake
    from rexian.orders.views.intake import HISTORY_LIMIT

    intake.find_citizen(phone)
    return list((intake.orders_of_caller(phone) & WorkOrder.objects.visible_to(user))[:HISTORY_LIMIT])


def _now():
    from django.utils import timezone

    return timezone.now()


def measure(fn, runs: int, budget: float) -> list[float]:
    fn()
    timings = []
    deadline = time.perf_counter() + budget
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        timings.append(time.perf_counter() - started)
        if time.perf_counter() > deadline and len(timings) >= 5:
            break
    return timings


def pages(fn) -> int:
    """Shared buffers (8 kB pages) the query's statements touch: a cost that does not depend on
    how busy the machine is, unlike milliseconds (from one EXPLAIN (ANALYZE, BUFFERS))."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fn()
    total = 0
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            if query["sql"].lstrip().upper().startswith("SELECT"):
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + query["sql"])
                plan = cursor.fetchone()[0]
                plan = json.loads(plan) if isinstance(plan, str) else plan
                top = plan[0]["Plan"]
                total += top.get("Shared Hit Blocks", 0) + top.get("Shared Read Blocks", 0)
    return total


def explain(fn) -> str:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fn()
    plans = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            if not query["sql"].lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            plans.append(query["sql"] + "\n" + "\n".join(row[0] for row in cursor.fetchall()))
    return "\n\n".join(plans)


def run_queries(items, runs: int, budget: float) -> list[dict]:
    results = []
    for group, label, fn in items:
        figures = summary_ms(measure(fn, runs, budget))
        miss = figures["p95"] >= TARGET_MS
        touched = pages(fn)
        results.append({"group": group, "label": label, "fn": fn, **figures, "pages": touched, "miss": miss})
        print(f"  {group:<14} {label:<36} n={figures['n']:<4} p50={figures['p50']:8.2f} ms  p95={figures['p95']:8.2f} ms"
              f"  pages={touched:<7}" + ("  ← 超过目标" if miss else ""), flush=True)
    return results


def print_plans(results) -> None:
    for result in results:
        if result["miss"]:
            print(f"\n---- EXPLAIN (ANALYZE, BUFFERS): {result['group']} {result['label']}\n{explain(result['fn'])}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=200, help="runs per query (default 200)")
    parser.add_argument("--budget", type=float, default=20.0, help="seconds at most per query (default 20)")
    parser.add_argument("--database", default="rexian_bench")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards (see --reuse)")
    parser.add_argument("--reuse", action="store_true", help="use the database an earlier --keep run loaded")
    parser.add_argument("--try", dest="try_candidates", action="store_true",
                        help="then add each of CANDIDATES in turn (settings, indexes) and time everything again")
    parser.add_argument("--compare-runs", type=int, default=50, help="runs per query in the --try phases (default 50)")
    parser.add_argument("--no-plans", dest="plans", action="store_false", help="do not print EXPLAIN ANALYZE of the misses")
    args = parser.parse_args(argv)

    print(f"orders_queries: {machine()}")
    if args.reuse and not pg_exists(args.database):
        parser.error(f"--reuse: database {args.database} does not exist; run once with --keep")
    if not args.reuse:
        pg_recreate(args.database)
    try:
        setup_django(args.database)
        from django.db import connection
        from django.db.models import Count

        from rexian.accounts.models import User
        from rexian.orders.models import WorkOrder

        if not args.reuse:
            started, cpu = time.perf_counter(), cpu_seconds()
            prepare_schema()
            print(f"schema and reference data: {time.perf_counter() - started:.1f} s")
            started = time.perf_counter()
            loader = Loader(args.orders)
            agent, dispatcher = User.objects.get(username="agent"), User.objects.get(username="dispatcher")
            counts = loader.load(connection, agent.pk, dispatcher.pk)
            loaded = time.perf_counter() - started
            started = time.perf_counter()
            with connection.cursor() as cursor:
                # As autovacuum would have it on a live system: statistics and the visibility map.
                cursor.execute("VACUUM ANALYZE")
            print(
                f"loaded {counts['orders']:,} orders, {counts['assignments']:,} assignments, {counts['citizens']:,} citizens, "
                f"{counts['extensions']:,} extensions in {loaded:.1f} s; VACUUM ANALYZE {time.perf_counter() - started:.1f} s "
                f"(CPU of this process {cpu_seconds() - cpu:.1f} s)"
            )
        total = WorkOrder.objects.count()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            size = cursor.fetchone()[0]
        states = dict(WorkOrder.objects.order_by().values_list("state").annotate(n=Count("id")))
        print(f"{total:,} orders, database {size}; open: " + ", ".join(f"{k} {v:,}" for k, v in sorted(states.items()) if k not in ("closed", "merged", "transferred", "voided")))
        print(f"\ntarget: p95 < {TARGET_MS:.0f} ms for queue queries; runs ≤ {args.runs} or {args.budget:.0f} s per query\n")
        items = queries()
        with connection.cursor() as cursor:
            for statement in DROP_CANDIDATES:  # a --keep'ed database may still hold them
                cursor.execute(statement)
        baseline = run_queries(items, args.runs, args.budget)
        print()
        print(table([[r["group"], r["label"], r["n"], r["p50"], r["p95"], r["max"], r["pages"], "超过目标" if r["miss"] else ""] for r in baseline],
                    ["用户", "查询", "次数", "p50 ms", "p95 ms", "max ms", "页面", ""]))
        print("页面 = PostgreSQL shared buffers (8 kB) read or hit by one run: the cost regardless of machine load.")
        if args.plans:
            print_plans(baseline)
        if args.try_candidates:
            phases = [baseline]
            for title, statements in CANDIDATES:
                print(f"\n==== {title}")
                with connection.cursor() as cursor:
                    for statement in statements:
                        started = time.perf_counter()
                        cursor.execute(statement)
                        print(f"  {statement}  ({time.perf_counter() - started:.1f} s)")
                phases.append(run_queries(items, args.compare_runs, args.budget / 2))
            rows = []
            for index, result in enumerate(baseline):
                rows.append([result["group"], result["label"], *[f"{phase[index]['p95']:,.1f} / {phase[index]['pages']:,}" for phase in phases]])
            print("\np95 ms / pages as shipped, then adding each candidate in turn:\n")
            print(table(rows, ["用户", "查询", "现状", *[f"+{n + 1}" for n in range(len(CANDIDATES))]]))
            for n, (title, _statements) in enumerate(CANDIDATES):
                print(f"  {n + 1} = {title}")
            if args.plans:
                print_plans(phases[-1])
            with connection.cursor() as cursor:
                for statement in DROP_CANDIDATES:
                    cursor.execute(statement)
        return 0
    finally:
        if not args.keep:
            if "django" in sys.modules:
                from django.db import connections

                connections.close_all()  # so that DROP DATABASE does not wait for us
            pg_drop(args.database)


if __name__ == "__main__":
    sys.exit(main())
