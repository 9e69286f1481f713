"""Whatever the calls and however the files overlap, the half-hour sums equal the calls."""

from datetime import timedelta

from calldata import CSV_HEADER, csv_row, local
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rexian.callcentre.figures import call_figures
from rexian.callcentre.importer import import_calls
from rexian.callcentre.models import BUCKET_BOUNDS, CallRecord, CallSlotStat

calls = st.lists(
    st.tuples(
        st.integers(0, 2 * 86400 - 1),  # offered, seconds after Monday 00:00
        st.sampled_from(["answered", "abandoned", "timeout"]),
        st.integers(0, 700),  # wait, whole seconds
        st.one_of(st.none(), st.integers(0, 900)),  # talk
        st.sampled_from(["main", "english"]),
        st.sampled_from(["12345", "96345"]),
    ),
    max_size=60,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    calls=calls,
    cut=st.integers(0, 60),
    overlap=st.integers(0, 20),
    threshold=st.sampled_from(BUCKET_BOUNDS),
    short=st.integers(0, 60),
)
def test_sums_equal_the_calls_after_overlapping_imports(db, tmp_path, calls, cut, overlap, threshold, short):
    CallSlotStat.objects.all().delete()
    CallRecord.objects.all().delete()
    monday = local("00:00:00")
    rows = [
        csv_row(f"p{n}", monday + timedelta(seconds=offset), outcome, wait, talk, queue, number)
        for n, (offset, outcome, wait, talk, queue, number) in enumerate(calls)
    ]
    first, second = rows[:cut], rows[max(0, cut - overlap) :]
    (tmp_path / "a.csv").write_text(CSV_HEADER + "".join(first))
    (tmp_path / "b.csv").write_text(CSV_HEADER + "".join(second))

    import_calls(tmp_path / "a.csv", skip_identical=False)
    import_calls(tmp_path / "b.csv", skip_identical=False)
    import_calls(tmp_path / "b.csv", skip_identical=False)

    assert CallRecord.objects.count() == len(calls)
    start, end = monday, monday + timedelta(days=2)
    options = {"threshold": threshold, "short_abandon": short}
    for by, split in (("half_hour", "queue"), ("day", "number_called"), ("period", None)):
        from_sums = call_figures(start, end, by=by, split=split, **options).as_dict()
        from_records = call_figures(start, end, by=by, split=split, from_records=True, **options).as_dict()
        assert from_sums == from_records
