"""运行总览 against five orders worked by hand, and the period picker."""

from datetime import timedelta

import pytest
from django.urls import reverse

from rexian.core.models import AuditAction, AuditEntry

URL = reverse("dashboards:overview")


def tile(html: str, key: str) -> str:
    """The value shown on one KPI tile."""
    part = html.split(f'data-tile="{key}"', 1)[1]
    return part.split('<span class="stat-value">', 1)[1].split("</span>", 1)[0]


def test_it_shows_the_hand_counted_kpis_on_the_tiles(login, worked):
    html = login("supervisor").get(URL).content.decode()
    assert tile(html, "intake") == "5"
    assert tile(html, "direct_answer_rate") == "25.00%"  # B of A, B, C, E (D voided)
    assert tile(html, "on_time_accept_rate") == "100.00%"  # 住建局 accepted A and C in time
    assert tile(html, "completion_rate") == "75.00%"  # A, B, C closed of A, B, C, E
    assert tile(html, "on_time_completion_rate") == "100.00%"  # approve A, direct B, approve C twice
    assert tile(html, "overdue") == "0"
    assert tile(html, "callback_rate") == "100.00%"  # 4 callbacks (C's first one reopened it) for 4 answers
    assert tile(html, "satisfaction_rate") == "50.00%"  # 满意 A, 基本满意 B of A, B, C, C


def test_it_counts_intake_and_closures_per_day(login, worked, tables_of):
    day = worked
    start = day - timedelta(days=2)
    tables = tables_of(login("supervisor").get(URL, {"from": start.isoformat(), "to": day.isoformat()}))
    assert tables["daily"] == [
        ["日期", "受理量", "办结量"],
        [start.isoformat(), "0", "0"],
        [(start + timedelta(days=1)).isoformat(), "0", "0"],
        [day.isoformat(), "5", "3"],  # D was voided, not closed; E is still open
    ]


def test_it_breaks_intake_down_by_channel_and_callbacks_by_result(login, worked, tables_of):
    tables = tables_of(login("supervisor").get(URL))
    channels = {row[0]: row[1:3] for row in tables["channels"][1:]}
    assert channels["电话"] == ["3", "60.00%"]  # A, C, D
    assert channels["微信"] == ["1", "20.00%"] and channels["网站"] == ["1", "20.00%"]
    assert channels["短信"] == ["0", "0.00%"]
    assert tables["satisfaction"][1:] == [
        ["满意", "1", "25.00%"],
        ["基本满意", "1", "25.00%"],
        ["不满意", "2", "50.00%"],
        ["未联系上", "0", "0.00%"],
    ]


def test_it_draws_accessible_charts(login, worked):
    html = login("supervisor").get(URL).content.decode()
    assert html.count('<svg class="chart"') == 3
    assert 'aria-label="每日受理量与办结量"' in html and "<desc>" in html
    assert "各渠道受理量" in html and "回访结果" in html


def test_it_shows_dashes_when_there_is_no_data(login, db):
    html = login("supervisor").get(URL, {"from": "2020-01-01", "to": "2020-01-31"}).content.decode()
    assert tile(html, "intake") == "0"
    assert tile(html, "satisfaction_rate") == "—"
    assert "2020-01-01 至 2020-01-31" in html


@pytest.mark.parametrize(
    "query, message",
    [
        ({"from": "2026-02-01", "to": "2026-01-01"}, "结束日期早于开始日期"),
        ({"from": "2020-01-01", "to": "2026-01-01"}, "时段最长 366 天"),
        ({"from": "昨天", "to": "2026-01-01"}, "开始日期：输入一个有效的日期"),
    ],
)
def test_a_bad_period_falls_back_to_the_last_30_days_and_says_why(login, db, query, message):
    response = login("supervisor").get(URL, query)
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html and "已改为显示近 30 天" in html
    assert response.context["period"].days[-1] - response.context["period"].days[0] == timedelta(days=29)


def test_the_kpi_table_traces_every_rate_to_its_counts(login, worked, tables_of):
    rows = {row[0]: row[1:] for row in tables_of(login("admin").get(URL))["kpis"][1:]}
    assert rows["综合满意率"] == ["2", "4", "50.00%"]
    assert rows["退单率"] == ["1", "3", "33.33%"]  # cut, not rounded
    assert rows["受理量"] == ["5", "—", "—"]


def test_an_export_is_audited(login, worked, users):
    response = login("supervisor").get(URL, {"format": "xlsx", "table": "channels"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"] and ".xlsx" in response["Content-Disposition"]
    entry = AuditEntry.objects.get(action=AuditAction.EXPORT)
    assert entry.actor == users["supervisor"] and entry.via == "web"
    assert "运行总览" in entry.summary and "各渠道受理" in entry.summary


def test_an_unknown_table_is_a_404_and_not_audited(login, db):
    assert login("supervisor").get(URL, {"format": "xlsx", "table": "nope"}).status_code == 404
    assert not AuditEntry.objects.filter(action=AuditAction.EXPORT).exists()
