"""Importing call files: calls in bulk, each at most once, half-hour sums kept exact.

A call is identified by (source, call_id). Calls are inserted in batches with
``INSERT … ON CONFLICT DO NOTHING RETURNING call_id``: the database says which
calls were new, and only those are added to the half-hour sums
(`CallSlotStat`), in the same transaction. Re-importing a file, or a file that
overlaps one already imported, adds nothing twice; two imports running at
once cannot both count a call either, since the second waits on the first's
uncommitted row and then finds it there.

Bad rows: by default the whole file is rejected (nothing written) and every
bad row is listed with its line number; with ``partial=True`` the good rows are
imported and the bad ones listed, so the file can be fixed and imported again
(the rows already in are skipped).
"""

import gzip
import hashlib
import io
import queue
import threading
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from rexian.callcentre.choices import CallOutcome, ImportFormat, ImportStatus
from rexian.callcentre.models import BUCKET_BOUNDS, SUM_COLUMNS, SUM_INDEX, CallImport, CallRecord, CallSlotStat
from rexian.callcentre.parsers import ParsedCall, ParseStats, RowError, parse_csv, parse_queue_log

BATCH_SIZE = 20_000  # calls parsed before one round of inserts and sum updates
ERRORS_KEPT = 200  # errors listed in full; the rest are counted


class CallFileError(Exception):
    """The file cannot be read at all (missing, not UTF-8, unknown format)."""


@dataclass
class ImportResult:
    record: CallImport
    errors_total: int = 0
    errors: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.record.status in (ImportStatus.DONE, ImportStatus.IDENTICAL)


# ---------------------------------------------------------------- the half-hour sums

_RECORD_COLUMNS = (
    "source",
    "call_id",
    "number_called",
    "caller",
    "queue",
    "offered_at",
    "answered_at",
    "abandoned_at",
    "ended_at",
    "agent",
    "wait_seconds",
    "talk_seconds",
    "outcome",
    "import_batch_id",
)
_OFFERED, _ANSWERED, _ABANDONED, _OTHER = (SUM_INDEX[n] for n in ("offered", "answered", "abandoned", "unanswered_other"))
_TALKED, _SUM_TALK = SUM_INDEX["talked"], SUM_INDEX["sum_talk"]
_SUM_WAIT_ANS, _SUM_WAIT_ABN = SUM_INDEX["sum_wait_answered"], SUM_INDEX["sum_wait_abandoned"]
_ANS_FIRST, _ABN_FIRST = SUM_INDEX["ans_000"], SUM_INDEX["abn_000"]
# bucket index for every wait up to the last bound; longer waits go to "more"
_BUCKET_OF = [next(i for i, bound in enumerate(BUCKET_BOUNDS) if wait <= bound) for wait in range(BUCKET_BOUNDS[-1] + 1)]
_MORE = len(BUCKET_BOUNDS)
_ANSWERED_VALUE, _ABANDONED_VALUE = CallOutcome.ANSWERED.value, CallOutcome.ABANDONED.value


def bucket_index(wait_seconds: int) -> int:
    return _BUCKET_OF[wait_seconds] if wait_seconds < len(_BUCKET_OF) else _MORE


class SlotSums:
    """Sums for (slot_start, queue, number_called), built call by call, then written."""

    def __init__(self):
        self.tz = timezone.get_default_timezone()
        self.sums: dict[tuple, list[int]] = {}
        self._slots: dict[int, tuple] = {}  # UTC minute -> (slot_start, day, slot)

    def _slot(self, moment: datetime) -> tuple:
        # Zone offsets are whole minutes, so one UTC minute lies in one local half-hour.
        minute = int(moment.timestamp()) // 60
        slot = self._slots.get(minute)
        if slot is None:
            local = moment.astimezone(self.tz)
            start = local.replace(minute=local.minute - local.minute % 30, second=0, microsecond=0)
            slot = self._slots[minute] = (start, start.date(), start.hour * 2 + start.minute // 30)
        return slot

    def add(self, call: ParsedCall) -> None:
        key = (*self._slot(call.offered_at), call.queue, call.number_called)
        sums = self.sums.get(key)
        if sums is None:
            sums = self.sums[key] = [0] * len(SUM_COLUMNS)
        sums[_OFFERED] += 1
        wait = call.wait_seconds
        if call.outcome == _ANSWERED_VALUE:
            sums[_ANSWERED] += 1
            sums[_SUM_WAIT_ANS] += wait
            sums[_ANS_FIRST + bucket_index(wait)] += 1
            if call.talk_seconds is not None:
                sums[_TALKED] += 1
                sums[_SUM_TALK] += call.talk_seconds
        elif call.outcome == _ABANDONED_VALUE:
            sums[_ABANDONED] += 1
            sums[_SUM_WAIT_ABN] += wait
            sums[_ABN_FIRST + bucket_index(wait)] += 1
        else:
            sums[_OTHER] += 1

    def write(self) -> None:
        """Add the sums to CallSlotStat (insert, or add to the row already there)."""
        if not self.sums:
            return
        table = connection.ops.quote_name(CallSlotStat._meta.db_table)
        updates = ", ".join(
            f"{quoted} = {table}.{quoted} + EXCLUDED.{quoted}"
            for quoted in (connection.ops.quote_name(name) for name in SUM_COLUMNS)
        )
        bulk_insert(
            CallSlotStat,
            (*_SLOT_KEY, *SUM_COLUMNS),
            # in key order, so that two imports touching the same half-hours lock them in the same order
            [(*key, *sums) for key, sums in sorted(self.sums.items())],
            f"ON CONFLICT (slot_start, queue, number_called) DO UPDATE SET {updates}",
        )
        self.sums.clear()


_SLOT_KEY = ("slot_start", "day", "slot", "queue", "number_called")


def bulk_insert(model, columns: tuple[str, ...], rows: list[tuple], conflict: str, returning: str = "") -> list[tuple]:
    """INSERT many rows with an ON CONFLICT clause; the RETURNING rows of those inserted.

    PostgreSQL: COPY into a temporary table, then one INSERT … SELECT (binding
    tens of thousands of parameters costs far more than the insert itself).
    Others: multi-row VALUES, in chunks under the parameter limit.
    """
    if not rows:
        return []
    ops = connection.ops
    table = ops.quote_name(model._meta.db_table)
    names = ", ".join(ops.quote_name(name) for name in columns)
    tail = f"{conflict} RETURNING {returning}" if returning else conflict
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            stage = ops.quote_name(f"stage_{model._meta.db_table}")
            # ON COMMIT DROP: the table lives as long as the import's transaction.
            cursor.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {stage} ON COMMIT DROP AS SELECT {names} FROM {table} WITH NO DATA"
            )
            cursor.execute(f"TRUNCATE {stage}")
            with cursor.copy(f"COPY {stage} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types([_copy_type(model, name) for name in columns])
                for row in rows:
                    copy.write_row(row)
            cursor.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {stage} {tail}")
            return cursor.fetchall() if returning else []
        adapters = {}
        for index, name in enumerate(columns):
            kind = model._meta.get_field(name).get_internal_type()
            if kind == "DateTimeField":
                adapters[index] = ops.adapt_datetimefield_value
            elif kind == "DateField":
                adapters[index] = ops.adapt_datefield_value
        if adapters:
            rows = [
                tuple(adapters[i](value) if i in adapters else value for i, value in enumerate(row)) for row in rows
            ]
        placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
        returned = []
        for chunk in _chunks(rows, max(1, 30_000 // len(columns))):  # SQLite allows 32,766 parameters
            cursor.execute(
                f"INSERT INTO {table} ({names}) VALUES {', '.join([placeholders] * len(chunk))} {tail}",
                [value for row in chunk for value in row],
            )
            if returning:
                returned += cursor.fetchall()
        return returned


_COPY_TYPES = {
    "varchar": "text",
    "timestamp with time zone": "timestamptz",
    "integer": "int4",
    "smallint": "int2",
    "bigint": "int8",
}


def _copy_type(model, column: str) -> str:
    """The PostgreSQL type name psycopg needs for a binary COPY of this column."""
    db_type = model._meta.get_field(column).db_type(connection)
    base = db_type.split("(")[0]
    return _COPY_TYPES.get(base, base)


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# ---------------------------------------------------------------- writing calls


class _Writer:
    """Buffers parsed calls; inserts them in batches and adds the new ones to the sums."""

    def __init__(self, batch: CallImport):
        self.batch = batch
        self.buffer: list[ParsedCall] = []
        self.added = 0
        self.skipped = 0
        self.sums = SlotSums()

    def add(self, call: ParsedCall) -> None:
        self.buffer.append(call)
        if len(self.buffer) >= BATCH_SIZE:
            self.flush()

    def discard(self) -> None:
        self.buffer.clear()

    def flush(self) -> None:
        calls: dict[str, ParsedCall] = {}
        for call in self.buffer:  # the first of two rows for one call wins, as across files
            if call.call_id in calls:
                self.skipped += 1
            else:
                calls[call.call_id] = call
        self.buffer.clear()
        source, batch_id = self.batch.source, self.batch.pk
        rows = [(source, *call[1:], batch_id) for call in calls.values()]  # all fields but the line number
        new_ids = bulk_insert(
            CallRecord, _RECORD_COLUMNS, rows, "ON CONFLICT (source, call_id) DO NOTHING", returning="call_id"
        )
        for (call_id,) in new_ids:
            self.sums.add(calls[call_id])
        self.added += len(new_ids)
        self.skipped += len(calls) - len(new_ids)
        self.sums.write()


# ---------------------------------------------------------------- files

_END = object()


def _lock_source(source: str) -> None:
    """Imports from one source take turns (PostgreSQL; SQLite's write lock does it already).

    They would stay exact without this, but two files with the same calls in a
    different order could deadlock on each other's new rows.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"rexian.callcentre.import:{source}"])


def _read_ahead(items: Iterator, block: int = 2_000, depth: int = 16) -> Iterator:
    """The items of a parser run in a thread, in order, so that reading and checking
    the file overlaps with the database inserting the previous batch.

    The parser must not touch the database (the connection belongs to this
    thread). Its exceptions are raised here; stopping early stops the thread.
    """
    blocks: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce():
        try:
            pending = []
            for item in items:
                pending.append(item)
                if len(pending) >= block:
                    blocks.put(pending)
                    pending = []
                    if stop.is_set():
                        return
            blocks.put(pending)
            blocks.put(_END)
        except BaseException as error:  # handed to the consumer, which raises it
            blocks.put(error)

    thread = threading.Thread(target=produce, name="call-file-reader", daemon=True)
    thread.start()
    try:
        while (pending := blocks.get()) is not _END:
            if isinstance(pending, BaseException):
                raise pending
            yield from pending
    finally:
        stop.set()
        while thread.is_alive():  # unblock a producer waiting on a full queue
            try:
                blocks.get(timeout=0.05)
            except queue.Empty:
                pass
        thread.join()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _open_text(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")


def detect_format(path: Path) -> str:
    """csv when the first line is the CSV header, queue_log when it looks like `epoch|…`."""
    try:
        with gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb") as handle:
            first = handle.readline(4096).decode("utf-8-sig", errors="replace")
    except OSError as error:
        raise CallFileError(f"无法读取 {path}：{error}") from None
    head = first.split("|", 1)[0].strip()
    if "|" in first and head.replace(".", "", 1).isdigit():
        return ImportFormat.QUEUE_LOG
    if "call_id" in first.lower():
        return ImportFormat.CSV
    raise CallFileError(f"{path.name} 既不像 CSV（首行应为表头 call_id,…）也不像 queue_log（epoch|callid|…）：请用 --format 指明")


def import_calls(
    path,
    *,
    format: str | None = None,
    source: str = "default",
    user=None,
    partial: bool = False,
    number_called: str = "",
    skip_identical: bool = True,
) -> ImportResult:
    """Import one CSV or queue_log file (plain or .gz). See the module docstring for the rules.

    A file with the same content as an earlier import from the same source is
    not read again (`skip_identical`): it could add nothing.
    """
    path = Path(path)
    if not path.is_file():
        raise CallFileError(f"文件不存在：{path}")
    if not source or len(source) > 50:
        raise CallFileError("来源（--source）须为 1–50 个字符")
    format = format or detect_format(path)
    if format not in ImportFormat.values:
        raise CallFileError(f"未知格式 {format!r}：可选 {', '.join(ImportFormat.values)}")
    sha256 = file_sha256(path)
    details = {
        "source": source,
        "file_name": path.name[:255],
        "sha256": sha256,
        "format": format,
        "imported_by": user if getattr(user, "pk", None) else None,
    }
    earlier = (
        CallImport.objects.filter(source=source, sha256=sha256, status__in=[ImportStatus.DONE, ImportStatus.PARTIAL])
        .order_by("id")
        .first()
    )
    if skip_identical and earlier is not None:
        note = f"与第 {earlier.pk} 次导入（{timezone.localtime(earlier.imported_at):%Y-%m-%d %H:%M}）内容相同，未重复读取"
        return ImportResult(CallImport.objects.create(status=ImportStatus.IDENTICAL, note=note, **details))

    stats = ParseStats()
    errors: list[dict] = []
    errors_total = 0
    try:
        with transaction.atomic(), _open_text(path) as handle:
            _lock_source(source)
            batch = CallImport.objects.create(status=ImportStatus.DONE, **details)
            writer = _Writer(batch)
            if format == ImportFormat.CSV:
                parser = parse_csv(handle, stats)
            else:
                parser = parse_queue_log(handle, stats, number_called=number_called)
            with closing(_read_ahead(parser)) as items:
                for item in items:
                    if isinstance(item, RowError):
                        errors_total += 1
                        if len(errors) < ERRORS_KEPT:
                            errors.append({"line": item.line, "message": item.message})
                        if not partial:
                            writer.discard()  # the file will be rejected: stop writing, keep reading for errors
                    elif partial or not errors_total:
                        writer.add(item)
            if errors_total and not partial:
                raise _Rejected
            writer.flush()
            batch.rows_read = stats.lines
            batch.calls_added = writer.added
            batch.calls_skipped = writer.skipped
            batch.calls_incomplete = stats.incomplete
            batch.rows_rejected = errors_total
            batch.errors = errors
            batch.status = ImportStatus.PARTIAL if errors_total else ImportStatus.DONE
            batch.save()
    except _Rejected:
        batch = CallImport.objects.create(
            status=ImportStatus.REJECTED,
            rows_read=stats.lines,
            rows_rejected=errors_total,
            errors=errors,
            note="有错误行，整份文件未导入（可修正后重新导入，或用 --partial 只导入正确的行）",
            **details,
        )
    except UnicodeDecodeError:
        batch = CallImport.objects.create(
            status=ImportStatus.REJECTED,
            rows_read=stats.lines,
            rows_rejected=1,
            errors=[{"line": stats.lines + 1, "message": "文件不是 UTF-8 编码（可用 iconv -f GBK -t UTF-8 转换）"}],
            note="编码错误，整份文件未导入",
            **details,
        )
        errors_total, errors = 1, batch.errors
    return ImportResult(batch, errors_total, errors)


class _Rejected(Exception):
    pass
