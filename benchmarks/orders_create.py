"""Orders created per second: through the service layer, and over HTTP against `rexian serve`.

    .venv/bin/python benchmarks/orders_create.py                       # PostgreSQL and SQLite
    .venv/bin/python benchmarks/orders_create.py --backends postgresql --workers 4 --clients 8 --seconds 15

For each database backend, in a fresh database (PostgreSQL `rexian_bench_http`,
created and dropped here; SQLite in a temporary directory):

1. service: `intake.register()` in one process, one order after another;
2. HTTP: `rexian serve --host 127.0.0.1 --port <free> --workers N` (Granian,
   the production server), an API token from `ApiToken.issue()`, then --clients
   threads, each on one keep-alive connection (http.client), for --seconds:
   first `GET /api/v1/me` (the server's floor: routing, token check, JSON),
   then `POST /api/v1/orders` with intake JSON, then the same with an
   `Idempotency-Key` per request. Prints requests/s, p50/p95.

The server is always stopped at the end (its whole process group), the
PostgreSQL database dropped. Figures depend on the machine and on what else
runs on it: the load average is printed with them.
"""

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from orders_common import (  # noqa: E402
    REPO,
    CpuMeter,
    group_pids,
    machine,
    pg_backend_pids,
    pg_drop,
    pg_recreate,
    process_cpu,
    summary_ms,
    table,
)

PG_DATABASE = "rexian_bench_http"
CATEGORIES = ["010101", "010102", "010301", "020102", "040101", "040202", "050101", "100101", "100201", "100401"]
TITLES = ["小区电梯长期故障", "楼上住户深夜噪音扰民", "早市占道经营", "公司拖欠工资", "咨询异地就医报销", "小区突然停水"]


# ---------------------------------------------------------------- in the benchmark's subprocesses (Django)


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rexian.settings")
    sys.path.insert(0, str(REPO / "src"))
    import django

    django.setup()


def intake_data(rng: random.Random, n: int) -> dict:
    """One request as an agent types it in (and as the API takes it)."""
    phone = f"13{rng.randint(0, 9)}0000{rng.randrange(10000):04d}" if rng.random() < 0.2 else f"18{n % 10}{n:08d}"[-11:]
    return {
        "phone": phone,
        "name": rng.choice(["张先生", "李女士", "王芳", ""]),
        "order_type": rng.choice(["complaint", "consult", "help", "suggestion"]),
        "channel": "phone",
        "category": rng.choice(CATEGORIES),
        "title": rng.choice(TITLES),
        "content": "市民反映所在小区问题已持续一周，多次向物业反映无人处理，要求相关部门尽快处理并答复。" * 2,
        "address": f"东城区东华街道幸福小区{rng.randint(1, 24)}号楼",
    }


def cmd_prepare() -> None:
    """Migrate, add the demo city's units and categories, and print an API token for `agent`."""
    _django()
    from django.core.management import call_command
    from django.test import override_settings

    from rexian.accounts.models import ApiToken

    call_command("migrate", interactive=False, verbosity=0)
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        from rexian.demo.city import ensure_city

        _result, _units, _leaves, users = ensure_city()
    _token, secret = ApiToken.issue(users["agent"], name="benchmark")
    print(json.dumps({"token": secret}))


def cmd_service(count: int) -> None:
    """`intake.register` `count` times in this process; prints the figures as JSON."""
    _django()
    from django.db import connection

    from rexian.accounts.models import User
    from rexian.orders.services import intake

    agent = User.objects.get(username="agent")
    rng = random.Random(1)
    for n in range(20):  # warm-up: imports, caches, connection
        intake.register(agent, intake_data(rng, 10_000_000 + n))
    backend = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]
    timings = []
    cpu, db_cpu = time.process_time(), process_cpu(backend) if backend else 0.0
    started = time.perf_counter()
    for n in range(count):
        t = time.perf_counter()
        intake.register(agent, intake_data(rng, n))
        timings.append(time.perf_counter() - t)
    elapsed = time.perf_counter() - started
    print(json.dumps({"count": count, "seconds": elapsed, "cpu": time.process_time() - cpu,
                      "db_cpu": (process_cpu(backend) - db_cpu) if backend else 0.0, "timings": timings}))


# ---------------------------------------------------------------- the orchestrating process


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_json(args: list[str], env: dict) -> dict:
    done = subprocess.run([sys.executable, __file__, *args], env=env, capture_output=True, text=True, timeout=1800, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{args[0]} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


class Server:
    """`rexian serve` in its own process group, so stopping it stops every worker."""

    def __init__(self, env: dict, port: int, workers: int | None, threads: int | None, log: Path):
        self.port, self.log = port, log
        command = [sys.executable, "-m", "rexian", "serve", "--host", "127.0.0.1", "--port", str(port)]
        if workers:
            command += ["--workers", str(workers)]
        if threads:
            command += ["--threads", str(threads)]
        self.handle = open(log, "wb")
        self.process = subprocess.Popen(command, env=env, stdout=self.handle, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, token: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited ({self.process.returncode}); log:\n{self.log.read_text()[-3000:]}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/api/v1/me", headers={"Authorization": f"Bearer {token}"})
                response = conn.getresponse()
                response.read()
                conn.close()
                if response.status == 200:
                    return
                if response.status == 404:
                    raise RuntimeError("GET /api/v1/me answered 404: the API is not mounted in rexian/urls.py.")
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"server not ready after {timeout} s; log:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.process.wait(timeout=10)
        self.handle.close()


def load(port: int, token: str, method: str, path: str, clients: int, seconds: float, body=None, keyed=False) -> dict:
    """`clients` threads on keep-alive connections for `seconds`; latencies and status counts.
    `keyed`: every request carries an Idempotency-Key of its own."""
    deadline = time.perf_counter() + seconds
    lock = threading.Lock()
    timings: list[float] = []
    statuses: dict = {}
    errors: list[str] = []

    def client(number: int) -> None:
        rng = random.Random(number)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Connection": "keep-alive"}
        mine, codes, n = [], {}, 0
        while time.perf_counter() < deadline:
            payload = json.dumps(body(rng, number * 1_000_000 + n)).encode() if body else None
            if keyed:
                headers["Idempotency-Key"] = f"bench-{number}-{n}"
            n += 1
            started = time.perf_counter()
            try:
                conn.request(method, path, body=payload, headers=headers)
                response = conn.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException) as error:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                with lock:
                    errors.append(repr(error))
                continue
            mine.append(time.perf_counter() - started)
            codes[response.status] = codes.get(response.status, 0) + 1
            if response.status >= 400 and len(errors) < 5:
                with lock:
                    errors.append(f"{response.status} {data[:300]!r}")
        conn.close()
        with lock:
            timings.extend(mine)
            for code, count in codes.items():
                statuses[code] = statuses.get(code, 0) + count

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    ok = sum(count for code, count in statuses.items() if code < 400)
    return {**summary_ms(timings), "ok": ok, "statuses": statuses, "errors": errors, "per_second": ok / elapsed, "seconds": elapsed}


def bench_backend(backend: str, args) -> list[list]:
    workdir = Path(tempfile.mkdtemp(prefix=f"rexian-bench-{backend}-"))
    env = {**os.environ, "REXIAN_DATA_DIR": str(workdir), "REXIAN_LOG_LEVEL": "WARNING", "PYTHONPATH": str(REPO / "src")}
    if backend == "postgresql":
        env["REXIAN_DATABASE_URL"] = pg_recreate(PG_DATABASE)
    else:
        env["REXIAN_DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    rows = []
    server = None
    try:
        token = run_json(["_prepare"], env)["token"]
        service = run_json(["_service", str(args.service_orders)], env)
        figures = summary_ms(service["timings"])
        app_ms, db_ms = service["cpu"] * 1000 / service["count"], service["db_cpu"] * 1000 / service["count"]
        rows.append([backend, "服务层 intake.register()（单进程）", service["count"], 0, service["count"] / service["seconds"],
                     figures["p50"], figures["p95"], app_ms, db_ms, 1000 / (app_ms + db_ms)])
        print(f"  {backend}: service layer {service['count'] / service['seconds']:.0f} orders/s, "
              f"CPU per order {app_ms:.2f} ms Python + {db_ms:.2f} ms PostgreSQL", flush=True)
        port = free_port()
        server = Server(env, port, args.workers, args.threads, workdir / "server.log")
        server.wait_ready(token)
        load(port, token, "GET", "/api/v1/me", args.clients, 1.0)  # warm every worker
        for label, method, path, body, keyed in (
            ("HTTP GET /api/v1/me（基线）", "GET", "/api/v1/me", None, False),
            ("HTTP POST /api/v1/orders", "POST", "/api/v1/orders", intake_data, False),
            ("HTTP POST /api/v1/orders + Idempotency-Key", "POST", "/api/v1/orders", intake_data, True),
        ):
            app_meter = CpuMeter(lambda: group_pids(server.process.pid)).start()
            db_meter = CpuMeter(lambda: pg_backend_pids(PG_DATABASE) if backend == "postgresql" else []).start()
            result = load(port, token, method, path, args.clients, args.seconds, body, keyed)
            app_ms = app_meter.stop() * 1000 / max(result["ok"], 1)
            db_ms = db_meter.stop() * 1000 / max(result["ok"], 1)
            bad = sum(count for code, count in result["statuses"].items() if code >= 400) + len([e for e in result["errors"] if not e[:3].isdigit()])
            ceiling = (os.cpu_count() or 1) * 1000 / (app_ms + db_ms)
            rows.append([backend, label, result["ok"], bad, result["per_second"], result["p50"], result["p95"], app_ms, db_ms, ceiling])
            print(f"  {backend}: {label}: {result['per_second']:.0f}/s p50 {result['p50']:.1f} ms p95 {result['p95']:.1f} ms "
                  f"statuses {result['statuses']}" + (f" errors {result['errors'][:3]}" if result["errors"] else ""), flush=True)
    finally:
        if server is not None:
            server.stop()
        if backend == "postgresql":
            pg_drop(PG_DATABASE)
        shutil.rmtree(workdir, ignore_errors=True)
    return rows


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "_prepare":
        cmd_prepare()
        return 0
    if argv and argv[0] == "_service":
        cmd_service(int(argv[1]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="postgresql,sqlite", help="comma-separated: postgresql, sqlite")
    parser.add_argument("--workers", type=int, default=None, help="server worker processes (default: rexian serve's)")
    parser.add_argument("--threads", type=int, default=None, help="threads per worker (default: rexian serve's)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client connections (default 8)")
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds per HTTP phase (default 10)")
    parser.add_argument("--service-orders", type=int, default=2000, help="orders for the in-process measure (default 2000)")
    args = parser.parse_args(argv)

    print(f"orders_create: {machine()}")
    print(f"server workers {args.workers or 'default'} × threads {args.threads or 'default'}, "
          f"{args.clients} client threads × keep-alive, {args.seconds:.0f} s per phase\n")
    rows = []
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        rows += bench_backend(backend, args)
    print()
    print(table(rows, ["数据库", "测量", "成功", "失败", "每秒", "p50 ms", "p95 ms", "应用 CPU ms/次", "PG CPU ms/次", "CPU 上限 次/秒"]))
    print(
        "\n应用 CPU = Web 服务进程（或服务层进程）所用 CPU；PG CPU = PostgreSQL 后端进程所用 CPU（SQLite 在应用进程内）。\n"
        f"CPU 上限 = {os.cpu_count()} 核 ÷ 每次请求的 CPU：机器只跑这一件事时，CPU 能撑的每秒请求数（服务层一行按单核计）。"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
