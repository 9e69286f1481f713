"""KPIs checked against a small period worked out by hand."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from rexian.channels import firstresponse
from rexian.channels.inbound import Inbound, receive
from rexian.channels.models import Message
from rexian.cli import main
from rexian.metrics.definitions import KPI_BY_KEY
from rexian.metrics.kpis import KpiRow, compute
from rexian.metrics.scorecards import score_units
from rexian.orders.services.workflow import perform


def carry(order, *steps):
    for user, action, data in steps:
        order = perform(order, action, user, data)
    return order


@pytest.fixture
def period(users, make_order, city, settings):
    """Five orders worked by hand; the expected figures are in the tests below."""
    settings.REXIAN = {**settings.REXIAN, "DIRECT_ANSWER_SAMPLE_PERCENT": 100, "CALLBACK_SAMPLE_PERCENT": 100}
    u = users
    reply = {"result": "resolved", "content": "已处理"}
    a = make_order(title="A")
    carry(a, (u["dispatcher"], "dispatch", {"unit": "ZJJ"}), (u["housing"], "accept", {}),
          (u["housing"], "reply", reply), (u["reviewer"], "approve", {}),
          (u["callback"], "callback", {"result": "satisfied"}))
    b = make_order(title="B", order_type="consult")
    carry(b, (u["agent"], "direct_answer", {"content": "按政策答复"}),
          (u["callback"], "callback", {"result": "basically"}))
    c = make_order(title="C")
    carry(c, (u["dispatcher"], "dispatch", {"unit": "CGJ"}), (u["urban"], "return", {"reason": "不属本单位职责"}),
          (u["dispatcher"], "reassign", {"unit": "ZJJ"}), (u["housing"], "accept", {}),
          (u["housing"], "reply", reply), (u["reviewer"], "approve", {}),
          (u["callback"], "callback", {"result": "dissatisfied", "reopen": True}),
          (u["housing"], "reply", reply), (u["reviewer"], "approve", {}),
          (u["callback"], "callback", {"result": "dissatisfied", "note": "已向市民解释政策"}))
    carry(make_order(title="D"), (u["agent"], "void", {"reason": "骚扰电话"}))
    make_order(title="E")
    today = timezone.localdate()
    return today, today


def percent(row, key):
    return row.as_dict()[key]["percent"]


def test_overall_figures_match_the_hand_count(period):
    row = compute(*period)[0]
    figures = row.as_dict()
    assert figures["intake"] == 5
    assert percent(row, "direct_answer_rate") == "25.00"  # 1 of 4 valid (D voided)
    assert figures["dispatched"] == 2
    assert figures["return_rate"]["numerator"] == 1 and figures["return_rate"]["denominator"] == 3
    assert percent(row, "return_rate") == "33.33"  # cut, not rounded
    assert percent(row, "on_time_accept_rate") == "100.00"
    assert percent(row, "completion_rate") == "75.00"  # A, B, C closed of A, B, C, E
    assert figures["on_time_completion_rate"]["denominator"] == 4
    assert percent(row, "callback_rate") == "100.00"
    assert percent(row, "redo_rate") == "25.00"
    assert percent(row, "satisfaction_rate") == "50.00"
    assert percent(row, "dissatisfaction_rate") == "50.00"
    assert figures["overdue"] == 0


def test_per_unit_counts_returns_and_satisfaction_against_the_unit(period, city):
    rows = {row.key: row.as_dict() for row in compute(*period, by="unit")}
    housing, urban = rows[city["housing"].pk], rows[city["urban"].pk]
    assert urban["return_rate"]["numerator"] == 1
    assert housing["satisfaction_rate"]["numerator"] == 1  # A satisfied; C twice dissatisfied
    assert housing["satisfaction_rate"]["denominator"] == 3


def test_per_channel_and_type(period):
    by_type = {row.key: row.as_dict() for row in compute(*period, by="type")}
    assert by_type["consult"]["intake"] == 1
    assert by_type["complaint"]["intake"] == 4


def test_a_period_before_the_orders_is_empty(period):
    start, end = period
    row = compute(start - timedelta(days=30), start - timedelta(days=1))[0]
    assert row.as_dict()["intake"] == 0
    assert row.as_dict()["satisfaction_rate"]["percent"] is None


def test_satisfaction_reproduces_the_seed_article():
    row = KpiRow(None)
    row.counts.update(satisfied_or_basically=7872 + 3892, valid_callbacks=15184)
    assert row.as_dict()["satisfaction_rate"]["percent"] == "77.47"
    assert row.value(KPI_BY_KEY["satisfaction_rate"]) * 100 > Decimal("77.47")


def test_a_rate_just_under_a_threshold_is_not_shown_as_met():
    row = KpiRow(None)
    row.counts.update(accepted_on_time=18999, accepted=20000)
    assert row.as_dict()["on_time_accept_rate"]["percent"] == "94.99"


def test_scorecard_ranks_units_by_weighted_score(period, city):
    rows = score_units(*period)
    by_code = {row.unit_code: row for row in rows}
    housing, urban = by_code["ZJJ"], by_code["CGJ"]
    # 住建局: accept 100, on-time completion 100, satisfaction 1/3, no returns: weights 20/30/40/10.
    expected = (Decimal(100) * 20 + Decimal(100) * 30 + Decimal(100) / 3 * 40 + Decimal(100) * 10) / 100
    assert housing.score == expected.quantize(Decimal("0.01"), rounding="ROUND_DOWN")
    assert housing.rank == 1
    # 城管局 only returned one order (its only dispatch): return rate 100 % → 0 points, nothing else.
    assert urban.score == Decimal("0.00") and urban.rank == 2


def test_stats_command_writes_json_and_xlsx(period, tmp_path, capsys):
    start, end = period
    assert main(["stats", "--from", str(start), "--to", str(end), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["overall"]["intake"] == 5
    assert {"channel", "type", "category", "unit"} <= set(report["by"])
    out = tmp_path / "stats.xlsx"
    assert main(["stats", "--from", str(start), "--to", str(end), "--format", "xlsx", "--out", str(out)]) == 0
    book = load_workbook(out)
    assert book.sheetnames[0] == "总体" and "单位考核" in book.sheetnames
    assert book["总体"]["A2"].value == 5


def test_stats_command_refuses_a_reversed_period(capsys):
    assert main(["stats", "--from", "2026-02-01", "--to", "2026-01-01"]) == 2
    assert "早于" in capsys.readouterr().err


def test_first_response_times_per_channel_are_in_the_report(db, tmp_path, capsys):
    received = receive(Inbound(channel="sms", address="13900002222", phone="13900002222", body="路灯坏了", external_id="s-1"))
    firstresponse.acknowledge(received)
    Message.objects.filter(direction="out").update(status="sent", sent_at=received.message.received_at + timedelta(seconds=90))
    today = timezone.localdate()
    assert main(["stats", "--from", str(today), "--to", str(today), "--format", "json"]) == 0
    (sms,) = json.loads(capsys.readouterr().out)["first_response"]
    assert (sms["channel"], sms["requests"], sms["within"], sms["percent"], sms["median_seconds"]) == ("sms", 1, 1, "100.00", 90.0)
    out = tmp_path / "stats.xlsx"
    assert main(["stats", "--from", str(today), "--to", str(today), "--format", "xlsx", "--out", str(out)]) == 0
    assert load_workbook(out)["首次响应"]["A2"].value == "短信"
