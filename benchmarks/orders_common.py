"""Helpers shared by the orders_* benchmarks: databases, timing figures, tables.

Nothing here imports Django: the benchmark scripts configure Django themselves
(or run it in subprocesses) against the database they create.
"""

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("REXIAN_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def pg_url(database: str) -> str:
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{database}"


def pg_recreate(database: str) -> str:
    """Drop and create `database`; returns its URL."""
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{database}"')
    return pg_url(database)


def pg_drop(database: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def pg_exists(database: str) -> bool:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone() is not None


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return float("nan")
    rank = max(1, int(round(fraction * len(sorted_values) + 0.5)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def summary_ms(seconds: list[float]) -> dict:
    values = sorted(s * 1000 for s in seconds)
    return {
        "n": len(values),
        "p50": percentile(values, 0.50),
        "p95": percentile(values, 0.95),
        "max": values[-1] if values else float("nan"),
        "mean": statistics.fmean(values) if values else float("nan"),
    }


def table(rows: list[list], headers: list[str]) -> str:
    """A plain text table, right-aligning numbers; wide (CJK) characters count double."""

    def width(text: str) -> int:
        return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)

    cells = [[str(h) for h in headers]] + [[c if isinstance(c, str) else f"{c:,.1f}" if isinstance(c, float) else f"{c:,}" for c in row] for row in rows]
    widths = [max(width(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for index, row in enumerate(cells):
        parts = []
        for i, cell in enumerate(row):
            pad = " " * (widths[i] - width(cell))
            numeric = index > 0 and not isinstance(rows[index - 1][i], str)
            parts.append(pad + cell if numeric else cell + pad)
        lines.append("  ".join(parts).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def machine() -> str:
    """One line about where the figures come from (load matters on a shared box)."""
    load = os.getloadavg()
    cpus = os.cpu_count()
    try:
        pg = subprocess.run(["psql", PG_ADMIN_URL, "-Atc", "show server_version"], capture_output=True, text=True, timeout=10, check=False).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pg = "?"
    return (
        f"{time.strftime('%Y-%m-%d %H:%M')}  CPUs {cpus}  load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}  "
        f"Python {sys.version.split()[0]}  PostgreSQL {pg}"
    )


def cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


# ---------------------------------------------------------------- CPU accounting (Linux /proc)
# On a shared machine wall-clock figures follow the neighbours' load; CPU seconds
# spent per request do not, and give the CPU-bound ceiling of this machine.

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of one process (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK


def group_pids(pgid: int) -> list[int]:
    """Every process in a process group (a server and its workers)."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid:
                pids.append(int(entry))
    return pids


def pg_backend_pids(database: str) -> list[int]:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [database]).fetchall()
    return [row[0] for row in rows]


class CpuMeter:
    """CPU seconds used by a set of processes between start() and stop(); `pids` is re-read at
    stop too, so processes that appear meanwhile (new database connections) are counted."""

    def __init__(self, pids):
        self.pids = pids  # a callable returning pids

    def start(self):
        self.before = {pid: process_cpu(pid) for pid in self.pids()}
        return self

    def stop(self) -> float:
        after = {pid: process_cpu(pid) for pid in self.pids()}
        return sum(cpu - self.before.get(pid, 0.0) for pid, cpu in after.items())
