"""Benchmark: import N calls, then time a month's figures from the half-hour sums
against the same figures computed straight from the call records.

    .venv/bin/python benchmarks/callcentre_import.py                    # 10,000,000 calls, PostgreSQL
    .venv/bin/python benchmarks/callcentre_import.py --calls 1000000 --database sqlite

The calls are generated (deterministically, seed 12345) with a weekly and a
half-hourly profile over `--days` days from 2025-01-01, written to /tmp as CSV
or queue_log, and imported into a database made for the run (PostgreSQL
`rexian_bench_cc`, or an SQLite file in /tmp), dropped at the end unless
--keep. Nothing is written inside the repository.
"""

import argparse
import math
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
SHANGHAI = ZoneInfo("Asia/Shanghai")
FIRST_DAY = date(2025, 1, 1)
# relative call volume per half-hour of the day: night, morning peak, lunch dip, afternoon peak, evening
HALF_HOURS = [2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4, 6, 9, 14, 18, 22, 24, 24, 23, 22, 20,
              16, 14, 15, 18, 20, 21, 21, 20, 19, 17, 15, 13, 11, 10, 9, 9, 8, 7, 6, 5, 4, 3, 3, 2]  # fmt: skip
WEEKDAYS = [1.0, 0.95, 0.92, 0.92, 0.9, 0.65, 0.6]  # Monday … Sunday
QUEUES = [("general", 0.80), ("enterprise", 0.12), ("elderly", 0.05), ("english", 0.03)]
NUMBERS = [("12345", 0.93), ("96345", 0.07)]


def generate(path: Path, calls: int, days: int, fmt: str, seed: int = 12345) -> None:
    """Write `calls` calls over `days` days; waits grow with the load of the half-hour."""
    rng = random.Random(seed)
    day_weight = [WEEKDAYS[(FIRST_DAY + timedelta(days=d)).weekday()] for d in range(days)]
    cells = [(d, s, day_weight[d] * HALF_HOURS[s]) for d in range(days) for s in range(48)]
    total = sum(weight for _, _, weight in cells)
    peak = max(HALF_HOURS)
    clock = [f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)]
    day_texts = [(FIRST_DAY + timedelta(days=d)).isoformat() for d in range(days + 2)]

    def at(seconds: int) -> str:  # local time, naive ISO 8601 (read as Asia/Shanghai)
        return f"{day_texts[seconds // 86400]}T{clock[seconds % 86400]}"

    queues, queue_weights = zip(*QUEUES)
    numbers, number_weights = zip(*NUMBERS)
    base = int(datetime.combine(FIRST_DAY, datetime.min.time(), tzinfo=SHANGHAI).timestamp())
    made = 0
    carry = 0.0
    tmp = path.with_suffix(".part")
    with open(tmp, "w", encoding="utf-8", buffering=1 << 20) as out:
        if fmt == "csv":
            out.write("call_id,number_called,caller,queue,offered_at,answered_at,abandoned_at,ended_at,agent\n")
        for index, (d, s, weight) in enumerate(cells):
            exact = calls * weight / total + carry
            count = calls - made if index == len(cells) - 1 else int(exact)
            carry = exact - count
            busy = HALF_HOURS[s] / peak  # waits get longer when it is busy
            mean_wait = 2 + 12 * busy**2
            slot_base = d * 86400 + s * 1800
            offsets = sorted(rng.randrange(1800) for _ in range(count))
            picks_q = rng.choices(queues, queue_weights, k=count)
            picks_n = rng.choices(numbers, number_weights, k=count)
            lines = []
            for k in range(count):
                made += 1
                offered = slot_base + offsets[k]
                wait = int(rng.expovariate(1 / mean_wait))
                patience = rng.expovariate(1 / 90)
                talk = int(rng.lognormvariate(5.0, 0.6))  # about 180 s on average
                caller = f"1{rng.randrange(3, 10)}{rng.randrange(10**9):09d}"
                agent = f"SIP/8{rng.randrange(400):03d}"
                call_id = f"{base + offered}.{made}"
                if patience < wait:
                    outcome, wait = "abandoned", int(patience)
                elif wait > 300:
                    outcome, wait = "timeout", 300
                else:
                    outcome = "answered"
                if fmt == "csv":
                    lines.append(_csv(call_id, picks_n[k], caller, picks_q[k], at, offered, outcome, wait, talk, agent))
                else:
                    lines.append(
                        _queue_log(call_id, picks_n[k], caller, picks_q[k], base + offered, outcome, wait, talk, agent)
                    )
            out.write("".join(lines))
    if fmt == "queue_log":  # events of overlapping calls interleave in a real log: sort by time
        os.system(f"LC_ALL=C sort -t'|' -k1,1n -s -S 2G -o {tmp} {tmp}")
    tmp.rename(path)


def _csv(call_id, number, caller, queue, at, offered, outcome, wait, talk, agent):
    if outcome == "answered":
        return f"{call_id},{number},{caller},{queue},{at(offered)},{at(offered + wait)},,{at(offered + wait + talk)},{agent}\n"
    if outcome == "abandoned":
        return f"{call_id},{number},{caller},{queue},{at(offered)},,{at(offered + wait)},{at(offered + wait)},\n"
    return f"{call_id},{number},{caller},{queue},{at(offered)},,,{at(offered + wait)},\n"


def _queue_log(call_id, number, caller, queue, offered, outcome, wait, talk, agent):
    lines = f"{offered}|{call_id}|{queue}|NONE|DID|{number}\n{offered}|{call_id}|{queue}|NONE|ENTERQUEUE||{caller}|1\n"
    if outcome == "answered":
        return (
            lines
            + f"{offered + wait}|{call_id}|{queue}|{agent}|CONNECT|{wait}|{call_id}1|2\n"
            + f"{offered + wait + talk}|{call_id}|{queue}|{agent}|COMPLETECALLER|{wait}|{talk}|1\n"
        )
    if outcome == "abandoned":
        return lines + f"{offered + wait}|{call_id}|{queue}|NONE|ABANDON|1|1|{wait}\n"
    return lines + f"{offered + wait}|{call_id}|{queue}|NONE|EXITWITHTIMEOUT|1|1|{wait}\n"


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def _setup_database(kind: str, name: str, data_dir: Path) -> str:
    if kind == "sqlite":
        path = data_dir / "bench.sqlite3"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def _drop_database(kind: str, name: str) -> None:
    if kind == "postgres":
        import psycopg
        from django.db import connections

        connections.close_all()
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=35, help="days of traffic from 2025-01-01 (the month timed is January)")
    parser.add_argument("--format", choices=["csv", "queue_log"], default="csv")
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--db-name", default="rexian_bench_cc")
    parser.add_argument("--runs", type=int, default=20, help="timed runs of the month figures")
    parser.add_argument("--baseline-runs", type=int, default=1, help="timed runs straight from the records (a full scan)")
    parser.add_argument("--reimport", action="store_true", help="import the same file again and time it (adds nothing)")
    parser.add_argument("--keep", action="store_true", help="keep the database and the generated file")
    args = parser.parse_args()

    work = Path(tempfile.gettempdir()) / "rexian-bench-cc"
    work.mkdir(exist_ok=True)
    data = work / f"calls-{args.calls}-{args.days}d.{'csv' if args.format == 'csv' else 'queue_log'}"
    if not data.exists():
        started = time.perf_counter()
        generate(data, args.calls, args.days, args.format)
        print(f"generated {data} ({data.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - started:.0f} s", flush=True)
    else:
        print(f"reusing {data} ({data.stat().st_size / 1e6:.0f} MB)", flush=True)

    os.environ["REXIAN_DATA_DIR"] = str(work / "data")
    os.environ["REXIAN_DATABASE_URL"] = _setup_database(args.database, args.db_name, work)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rexian.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    from rexian.callcentre.figures import call_figures, day_bounds
    from rexian.callcentre.importer import import_calls
    from rexian.callcentre.models import CallRecord, CallSlotStat

    try:
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        result = import_calls(data, format=args.format, source="bench")
        seconds = time.perf_counter() - started
        record = result.record
        print(
            f"import ({args.database}, {args.format}): {record.calls_added:,} calls added from {record.rows_read:,} lines "
            f"in {seconds:.1f} s = {record.calls_added / seconds:,.0f} calls/s "
            f"({record.rows_read / seconds:,.0f} lines/s); status {record.status}, errors {record.rows_rejected}",
            flush=True,
        )
        print(f"CallRecord rows: {CallRecord.objects.count():,}; CallSlotStat rows: {CallSlotStat.objects.count():,}")
        if args.reimport:
            started = time.perf_counter()
            again = import_calls(data, format=args.format, source="bench", skip_identical=False)
            print(
                f"re-import of the same file: {again.record.calls_added} added, {again.record.calls_skipped:,} skipped "
                f"in {time.perf_counter() - started:.1f} s",
                flush=True,
            )

        start, end = day_bounds(date(2025, 1, 1), date(2025, 1, 31))
        month_calls = CallRecord.objects.filter(offered_at__gte=start, offered_at__lt=end).count()

        def timed(runs: int, **options) -> tuple[list[float], dict]:
            times, report = [], None
            for _ in range(runs):
                began = time.perf_counter()
                report = call_figures(start, end, **{"by": "day", **options}).as_dict()
                times.append(time.perf_counter() - began)
            return times, report

        def ms(times: list[float]) -> str:
            return f"p50 {statistics.median(times) * 1000:.0f} ms, p95 {_percentile(times, 0.95) * 1000:.0f} ms"

        print(f"month January 2025: {month_calls:,} calls")
        fast, fast_report = timed(args.runs)
        print(f"  month figures from the half-hour sums (by day, {args.runs} runs): {ms(fast)}", flush=True)
        for label, options in (("by hour", {"by": "hour"}), ("by day, split by queue", {"split": "queue"})):
            print(f"  month figures {label}: {ms(timed(args.runs, **options)[0])}", flush=True)
        slow, slow_report = timed(args.baseline_runs, from_records=True)
        same = fast_report == slow_report
        print(
            f"  the same straight from CallRecord ({args.baseline_runs} run(s)): "
            f"p50 {statistics.median(slow):.2f} s, max {max(slow):.2f} s; identical figures: {same}"
        )
        total = fast_report["total"]
        print(
            f"  offered {total['offered']:,}, 接通率 {total['connection_rate']['percent']} %, "
            f"SL15 {total['service_level']['percent']} %, ASA {total['average_speed_of_answer']['seconds']} s, "
            f"AHT {total['average_handle_time']['seconds']} s"
        )
        return 0 if same and statistics.median(fast) < 1 else 1
    finally:
        if not args.keep:
            _drop_database(args.database, args.db_name)
            data.unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main())
