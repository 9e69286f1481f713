from datetime import timedelta

import pytest
from calldata import CSV_HEADER, csv_row, local, twelve_csv, twelve_queue_log

from rexian.callcentre.figures import call_figures
from rexian.callcentre.importer import CallFileError, import_calls
from rexian.callcentre.models import SUM_COLUMNS, CallImport, CallRecord, CallSlotStat


def stats_snapshot():
    return sorted(CallSlotStat.objects.values_list("slot_start", "queue", "number_called", *SUM_COLUMNS))


def figures_from_records_equal_stats(start, end):
    by_stats = call_figures(start, end, by="half_hour", split="queue").as_dict()
    by_records = call_figures(start, end, by="half_hour", split="queue", from_records=True).as_dict()
    assert by_stats == by_records


def test_it_imports_the_csv_with_times_waits_and_outcomes(db, write, users):
    result = import_calls(write("calls.csv", twelve_csv()), source="pbx", user=users["supervisor"])

    assert result.ok and result.record.status == "done"
    assert (result.record.rows_read, result.record.calls_added, result.record.calls_skipped) == (13, 12, 0)
    assert result.record.imported_by == users["supervisor"]
    assert len(result.record.sha256) == 64
    c09 = CallRecord.objects.get(call_id="c09")
    assert c09.offered_at == local("09:05:00")
    assert c09.answered_at == local("09:05:14.200")
    assert (c09.wait_seconds, c09.talk_seconds, c09.outcome) == (15, 180, "answered")  # 14.2 s rounds up
    c10 = CallRecord.objects.get(call_id="c10")
    assert (c10.outcome, c10.wait_seconds, c10.talk_seconds, c10.queue) == ("unanswered", 60, None, "english")
    assert CallRecord.objects.get(call_id="c01").caller == "13800138000"  # normalised
    assert CallSlotStat.objects.count() == 5  # 08:00 and 08:30 main, 09:00 main and english, 09:30 english


def test_it_keeps_the_half_hour_sums_equal_to_the_calls(db, write, monday):
    import_calls(write("calls.csv", twelve_csv()))

    assert sorted(CallSlotStat.objects.values_list("slot", "queue", "offered")) == [
        (16, "main", 6),
        (17, "main", 2),
        (18, "english", 1),
        (18, "main", 1),
        (19, "english", 2),
    ]
    figures_from_records_equal_stats(*monday)


def test_it_adds_nothing_when_the_same_file_comes_again(db, write):
    path = write("calls.csv", twelve_csv())
    import_calls(path)
    before = stats_snapshot()

    again = import_calls(path)
    read_again = import_calls(path, skip_identical=False)

    assert again.record.status == "identical" and again.record.calls_added == 0
    assert "内容相同" in again.record.note
    assert read_again.record.status == "done"
    assert (read_again.record.calls_added, read_again.record.calls_skipped) == (0, 12)
    assert CallRecord.objects.count() == 12
    assert stats_snapshot() == before


def test_it_adds_only_the_new_calls_of_an_overlapping_file(db, write, monday):
    rows = twelve_csv().splitlines(keepends=True)
    import_calls(write("first.csv", "".join(rows[:9])))  # header + c01..c08
    assert CallRecord.objects.count() == 8

    second = import_calls(write("second.csv", rows[0] + "".join(rows[5:])))  # c05..c12

    assert (second.record.calls_added, second.record.calls_skipped) == (4, 4)
    assert CallRecord.objects.count() == 12
    all_at_once = stats_snapshot()
    CallSlotStat.objects.all().delete()
    CallRecord.objects.all().delete()
    import_calls(write("all.csv", twelve_csv()), skip_identical=False)
    assert stats_snapshot() == all_at_once
    figures_from_records_equal_stats(*monday)


def test_it_keeps_the_first_of_two_rows_for_one_call(db, write):
    offered = local("10:00:00")
    text = CSV_HEADER + csv_row("x1", offered, "answered", 5, 10) + csv_row("x1", offered, "abandoned", 50, None)

    result = import_calls(write("dup.csv", text))

    assert (result.record.calls_added, result.record.calls_skipped) == (1, 1)
    assert CallRecord.objects.get().outcome == "answered"
    assert CallSlotStat.objects.get().abandoned == 0


def test_it_keeps_sources_apart(db, write):
    path = write("calls.csv", twelve_csv())
    import_calls(path, source="pbx-a")
    result = import_calls(path, source="pbx-b")

    assert result.record.calls_added == 12
    assert CallRecord.objects.count() == 24


BAD_ROWS = (
    CSV_HEADER
    + csv_row("ok1", local("10:00:00"), "answered", 5, 10)
    + "bad1,12345,,main,2025-03-03 25:00:00,,,2025-03-03T10:01:00,\n"
    + ",12345,,main,2025-03-03T10:00:00,,,2025-03-03T10:01:00,\n"
    + "bad3,12345,,main,2025-03-03T10:00:00,2025-03-03T09:59:00,,,8001\n"
    + "bad4,12345,,main,2025-03-03T10:00:00,,,,\n"
    + "bad5,12345,,main\n"
    + csv_row("ok2", local("10:05:00"), "abandoned", 7, None)
)


def test_it_rejects_the_whole_file_and_lists_bad_rows_by_line(db, write):
    result = import_calls(write("bad.csv", BAD_ROWS))

    assert not result.ok and result.record.status == "rejected"
    assert CallRecord.objects.count() == 0 and CallSlotStat.objects.count() == 0
    assert result.record.rows_rejected == 5
    messages = {error["line"]: error["message"] for error in result.errors}
    assert sorted(messages) == [3, 4, 5, 6, 7]
    assert "offered_at 不是 ISO 8601 时间" in messages[3]
    assert "缺少 call_id" in messages[4]
    assert "answered_at 早于 offered_at" in messages[5]
    assert "通话尚未结束" in messages[6]
    assert "应有 9 列" in messages[7]
    assert CallImport.objects.get().errors == result.errors


def test_it_imports_the_good_rows_when_partial(db, write):
    result = import_calls(write("bad.csv", BAD_ROWS), partial=True)

    assert result.record.status == "partial"
    assert sorted(CallRecord.objects.values_list("call_id", flat=True)) == ["ok1", "ok2"]
    assert result.record.rows_rejected == 5 and result.record.calls_added == 2
    assert CallSlotStat.objects.get().offered == 2


def test_it_adds_the_fixed_rows_when_the_corrected_file_comes_again(db, write):
    import_calls(write("bad.csv", BAD_ROWS), partial=True)
    fixed = CSV_HEADER + csv_row("ok1", local("10:00:00"), "answered", 5, 10) + csv_row(
        "bad1", local("10:00:00"), "timeout", 60, None
    )

    result = import_calls(write("fixed.csv", fixed))

    assert (result.record.calls_added, result.record.calls_skipped) == (1, 1)
    assert CallSlotStat.objects.get().offered == 3


def test_it_never_puts_the_callers_number_in_errors(db, write):
    text = CSV_HEADER + "c1,12345,13912345678,main,not-a-time,,,,\n"

    result = import_calls(write("bad.csv", text))

    assert "13912345678" not in str(result.errors)


@pytest.mark.parametrize(
    "header, message",
    [
        ("call_id,caller,queue,offered_at,answered_at,abandoned_at,ended_at,agent\n", "缺少列 number_called"),
        (CSV_HEADER.strip() + ",extra\n", "未知列 extra"),
    ],
)
def test_it_rejects_a_wrong_header(db, write, header, message):
    result = import_calls(write("calls.csv", header + "x,1,2,3,4,5,6,7,8\n"), format="csv")

    assert result.record.status == "rejected"
    assert result.errors[0]["line"] == 1 and message in result.errors[0]["message"]


def test_it_reads_times_with_an_offset_or_in_utc(db, write):
    text = (
        CSV_HEADER
        + "u1,12345,,main,2025-03-03T00:00:00Z,2025-03-03T00:00:05Z,,2025-03-03T00:01:05Z,8001\n"
        + "u2,12345,,main,2025-03-03T09:00:00+09:00,,2025-03-03T09:00:20+09:00,,\n"
    )

    import_calls(write("tz.csv", text))

    assert CallRecord.objects.get(call_id="u1").offered_at == local("08:00:00")
    assert CallRecord.objects.get(call_id="u2").offered_at == local("08:00:00")
    assert CallSlotStat.objects.get().slot == 16


def test_it_counts_an_answered_call_without_an_end_but_not_in_handle_time(db, write, monday):
    text = CSV_HEADER + csv_row("open", local("10:00:00"), "answered", 5, None)

    import_calls(write("open.csv", text))

    figures = call_figures(*monday).total
    assert (figures.counts.answered, figures.counts.talked) == (1, 0)
    assert figures.average_handle_time.seconds is None


def test_it_refuses_files_it_cannot_read(db, tmp_path, write):
    with pytest.raises(CallFileError, match="文件不存在"):
        import_calls(tmp_path / "missing.csv")
    with pytest.raises(CallFileError, match="请用 --format 指明"):
        import_calls(write("odd.txt", "hello\n"))
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes((CSV_HEADER + "c1,12345,,热线,2025-03-03T10:00:00,,,2025-03-03T10:01:00,\n").encode("gbk"))
    result = import_calls(gbk)
    assert result.record.status == "rejected" and "UTF-8" in result.errors[0]["message"]
    assert CallRecord.objects.count() == 0


def test_it_reads_gzip_and_detects_the_format(db, tmp_path):
    import gzip

    path = tmp_path / "queue_log.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(twelve_queue_log())

    result = import_calls(path)

    assert result.record.format == "queue_log"
    assert result.record.calls_added == 12


def test_it_spans_batches(db, write, monkeypatch):
    import rexian.callcentre.importer as importer

    monkeypatch.setattr(importer, "BATCH_SIZE", 5)
    start = local("10:00:00")
    text = CSV_HEADER + "".join(
        csv_row(f"b{n}", start + timedelta(minutes=n), "answered", n % 20, 30) for n in range(23)
    )
    import_calls(write("many.csv", text))
    import_calls(write("again.csv", text), skip_identical=False)

    assert CallRecord.objects.count() == 23
    assert sum(CallSlotStat.objects.values_list("offered", flat=True)) == 23


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_imports_at_once_count_each_call_once(tmp_path):
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time; the race needs PostgreSQL")
    rows = twelve_csv().splitlines(keepends=True)
    (tmp_path / "a.csv").write_text("".join(rows[:10]))  # c01..c09
    (tmp_path / "b.csv").write_text(rows[0] + "".join(rows[4:]))  # c04..c12, overlapping c04..c09
    barrier = threading.Barrier(2)
    results = []

    def run(name, source):
        from django.db import connection as own

        try:
            barrier.wait()
            results.append(import_calls(tmp_path / name, source=source))
        finally:
            own.close()

    threads = [threading.Thread(target=run, args=(name, "pbx")) for name in ("a.csv", "b.csv")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(result.record.calls_added for result in results) == [3, 9]  # whichever came second adds 3
    assert CallRecord.objects.count() == 12
    assert sum(CallSlotStat.objects.values_list("offered", flat=True)) == 12
