import pytest
from calldata import local, twelve_csv, twelve_queue_log

from rexian.callcentre.figures import call_figures
from rexian.callcentre.importer import import_calls
from rexian.callcentre.models import CallRecord, CallSlotStat


def epoch(clock: str) -> int:
    return int(local(clock).timestamp())


def log(*lines: str) -> str:
    """Lines as 'HH:MM:SS|callid|queue|agent|EVENT|data…', with the clock turned into epoch seconds."""
    return "".join(f"{epoch(line[:8])}{line[8:]}\n" for line in lines)


def test_it_gives_the_same_figures_as_the_csv(db, write, monday):
    import_calls(write("calls.csv", twelve_csv()))
    from_csv = call_figures(*monday, by="half_hour", split="queue").as_dict()
    CallSlotStat.objects.all().delete()
    CallRecord.objects.all().delete()

    result = import_calls(write("queue_log", twelve_queue_log()))

    assert result.record.format == "queue_log"
    assert (result.record.calls_added, result.record.calls_incomplete, result.record.rows_rejected) == (12, 0, 0)
    assert call_figures(*monday, by="half_hour", split="queue").as_dict() == from_csv


def test_it_maps_the_events_to_the_call(db, write):
    import_calls(write("queue_log", twelve_queue_log()))

    c01 = CallRecord.objects.get(call_id="1741000000.1")
    assert (c01.number_called, c01.caller, c01.queue, c01.agent) == ("12345", "13800138000", "main", "SIP/8001")
    assert (c01.offered_at, c01.answered_at, c01.ended_at) == (local("08:00:00"), local("08:00:05"), local("08:02:05"))
    assert (c01.wait_seconds, c01.talk_seconds, c01.outcome) == (5, 120, "answered")
    c05 = CallRecord.objects.get(call_id="1741000000.5")
    assert (c05.outcome, c05.abandoned_at, c05.wait_seconds) == ("abandoned", local("08:20:03"), 3)
    assert CallRecord.objects.get(call_id="1741000000.10").outcome == "timeout"


def test_it_adds_nothing_twice(db, write):
    path = write("queue_log", twelve_queue_log())
    import_calls(path)
    before = list(CallSlotStat.objects.values_list("offered", "answered", "ans_015"))

    again = import_calls(path, skip_identical=False)

    assert (again.record.calls_added, again.record.calls_skipped) == (0, 12)
    assert list(CallSlotStat.objects.values_list("offered", "answered", "ans_015")) == before


def test_it_follows_a_call_through_two_queues_as_one_call(db, write):
    text = log(
        "10:00:00|u1|main|NONE|DID|12345",
        "10:00:00|u1|main|NONE|ENTERQUEUE||13900000001|1",
        "10:00:20|u1|main|NONE|EXITWITHTIMEOUT|1|1|20",
        "10:00:21|u1|english|NONE|DID|12345",
        "10:00:21|u1|english|NONE|ENTERQUEUE||13900000001|1",
        "10:00:31|u1|english|SIP/8003|CONNECT|10|u9|3",
        "10:02:31|u1|english|SIP/8003|COMPLETEAGENT|10|120|1",
    )

    result = import_calls(write("queue_log", text))

    call = CallRecord.objects.get()
    assert result.record.calls_added == 1
    assert (call.queue, call.outcome, call.wait_seconds, call.talk_seconds) == ("english", "answered", 31, 120)
    assert call.offered_at == local("10:00:00")


def test_it_records_a_timeout_that_goes_nowhere_else(db, write):
    text = log(
        "10:00:00|u1|main|NONE|ENTERQUEUE||13900000001|1",
        "10:01:00|u1|main|NONE|EXITWITHTIMEOUT|1|1|60",
        "10:30:00|u2|main|NONE|ENTERQUEUE||13900000002|1",
        "10:30:02|u2|main|NONE|EXITWITHKEY|1|1|1|2",
        "10:40:00|u3|main|NONE|JOINEMPTY|1|1|0",
        "10:50:00|u4|main|NONE|ENTERQUEUE||13900000004|1",
        "10:50:05|u4|main|NONE|EXITEMPTY|1|1|5",
    )

    import_calls(write("queue_log", text))

    assert dict(CallRecord.objects.values_list("call_id", "outcome")) == {
        "u1": "timeout",
        "u2": "exit_key",
        "u3": "exit_empty",
        "u4": "exit_empty",
    }
    assert CallRecord.objects.get(call_id="u1").wait_seconds == 60


@pytest.mark.parametrize(
    "line",
    [
        "10:02:00|u1|main|SIP/8001|TRANSFER|2000|from-internal|5|115|1",
        "10:02:00|u1|main|SIP/8001|BLINDTRANSFER|2000|from-internal|5|115|1",
        "10:02:00|u1|main|SIP/8001|ATTENDEDTRANSFER|BRIDGE|b1|5|115|1",
        "10:02:00|u1|main|SIP/8001|ATTENDEDTRANSFER|LINK|chan1|chan2|5|115|1",
    ],
)
def test_it_ends_an_answered_call_at_a_transfer(db, write, line):
    text = log("10:00:00|u1|main|NONE|ENTERQUEUE||13900000001|1", "10:00:05|u1|main|SIP/8001|CONNECT|5|u2|1", line)

    import_calls(write("queue_log", text))

    call = CallRecord.objects.get()
    assert (call.outcome, call.wait_seconds, call.talk_seconds, call.ended_at) == (
        "answered",
        5,
        115,
        local("10:02:00"),
    )


def test_it_waits_for_the_next_file_for_calls_still_open(db, write, monday):
    full = twelve_queue_log().splitlines(keepends=True)
    cut = next(i for i, line in enumerate(full) if int(line.split("|")[0]) >= epoch("08:03:00"))
    import_calls(write("queue_log.1", "".join(full[:cut])))
    first = CallRecord.objects.count()

    # the rotated file starts where the first stopped: c02 and c03 have ended there
    second = import_calls(write("queue_log.2", "".join(full[cut:])))

    assert first == 1  # c01 ended at 08:02:05; c02 and c03 were still talking
    assert second.record.calls_added == 11
    c02 = CallRecord.objects.get(call_id="1741000000.2")
    assert (c02.offered_at, c02.wait_seconds, c02.talk_seconds) == (local("08:01:00"), 15, 200)
    assert c02.caller == ""  # the ENTERQUEUE line was in the first file
    totals = call_figures(*monday).total.counts
    assert (totals.offered, totals.answered, totals.answered_within) == (12, 7, 5)


def test_it_counts_calls_still_open_at_the_end(db, write):
    text = log(
        "10:00:00|u1|main|NONE|ENTERQUEUE||13900000001|1",
        "10:00:10|u2|main|NONE|ENTERQUEUE||13900000002|1",
        "10:00:12|u2|main|SIP/8001|CONNECT|2|u9|1",
    )

    result = import_calls(write("queue_log", text))

    assert (result.record.calls_added, result.record.calls_incomplete) == (0, 2)


def test_it_lists_bad_lines_with_their_numbers(db, write):
    text = (
        "1741000000|NONE|NONE|NONE|QUEUESTART|\n"
        "yesterday|u1|main|NONE|ENTERQUEUE||139|1\n"
        "1741000001|u1|main\n"
        + log(
            "10:00:00|u2|main|NONE|ENTERQUEUE||13900000002|1",
            "10:00:05|u2|main|SIP/8001|CONNECT|five|u9|1",
            "10:00:00|u3|main|NONE|ENTERQUEUE||13900000003|1",
            "10:00:05|u3|main|SIP/8001|CONNECT|5|u9|1",
            "10:00:09|u3|main|NONE|ABANDON|1|1|9",
            "10:10:00|u4|main|NONE|ABANDON|1|1|",
            "10:20:00|u5|main|NONE|ENTERQUEUE||13900000005|1",
            "10:20:30|u5|main|NONE|ABANDON|1|1|30",
        )
    )

    rejected = import_calls(write("queue_log", text))
    partial = import_calls(write("queue_log", text), partial=True, skip_identical=False)

    assert rejected.record.status == "rejected" and CallRecord.objects.filter(call_id="u5").count() == 1
    lines = [error["line"] for error in rejected.errors]
    assert lines == [2, 3, 5, 8, 9]
    messages = " / ".join(error["message"] for error in rejected.errors)
    assert "时间戳不是数字" in messages and "只有 3 段" in messages and "holdtime不是整数" in messages
    assert "不能再放弃" in messages and "无法知道进入队列的时间" in messages
    assert partial.record.status == "partial" and partial.record.calls_added == 1


def test_it_uses_the_given_number_when_the_log_has_no_did(db, write):
    text = log("10:00:00|u1|main|NONE|ENTERQUEUE||13900000001|1", "10:00:03|u1|main|NONE|ABANDON|1|1|3")

    import_calls(write("queue_log", text), number_called="12345")

    assert CallRecord.objects.get().number_called == "12345"
