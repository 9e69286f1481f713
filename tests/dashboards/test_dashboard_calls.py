"""话务 against six calls counted by hand.

| call | offered | outcome   | wait |
|------|---------|-----------|------|
| k1   | 08:05   | answered  | 5    |
| k2   | 08:15   | answered  | 10   |
| k3   | 08:40   | answered  | 20   |
| k4   | 08:50   | abandoned | 30   |
| k5   | 09:10   | answered  | 3    |
| k6   | 09:20   | answered  | 16   |

Offered 6, answered 5, abandoned 1: 接通率 5/6 = 83.33 % (cut); answered within
15 s k1 k2 k5: service level 3/5 = 60.00 %. 08 h: 3/4 = 75.00 %, 09 h: 2/2.
The period is one day, so the 24-hour 接通率 is the day's, 83.33 % < 95 %.
"""

from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse

from rexian.callcentre.importer import import_calls

DAY = date(2025, 3, 3)
CALLS = [("k1", "08:05", "answered", 5), ("k2", "08:15", "answered", 10), ("k3", "08:40", "answered", 20),
         ("k4", "08:50", "abandoned", 30), ("k5", "09:10", "answered", 3), ("k6", "09:20", "answered", 16)]
URL = reverse("dashboards:calls")


@pytest.fixture
def six_calls(db, tmp_path):
    lines = ["call_id,number_called,caller,queue,offered_at,answered_at,abandoned_at,ended_at,agent"]
    for call_id, clock, outcome, wait in CALLS:
        offered = datetime.fromisoformat(f"{DAY}T{clock}:00")
        done = offered + timedelta(seconds=wait)
        if outcome == "answered":
            end = done + timedelta(seconds=100)
            lines.append(f"{call_id},12345,13800138000,main,{offered:%Y-%m-%dT%H:%M:%S},{done:%Y-%m-%dT%H:%M:%S},,"
                         f"{end:%Y-%m-%dT%H:%M:%S},8001")
        else:
            lines.append(f"{call_id},12345,13800138000,main,{offered:%Y-%m-%dT%H:%M:%S},,{done:%Y-%m-%dT%H:%M:%S},"
                         f"{done:%Y-%m-%dT%H:%M:%S},")
    path = tmp_path / "calls.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    import_calls(path)
    return {"from": DAY.isoformat(), "to": DAY.isoformat()}


def tile(html, key):
    return html.split(f'data-tile="{key}"', 1)[1].split('<span class="stat-value">', 1)[1].split("</span>", 1)[0]


def test_it_shows_the_hand_counted_call_figures(login, six_calls):
    html = login("supervisor").get(URL, six_calls).content.decode()
    assert tile(html, "offered") == "6"
    assert tile(html, "answered") == "5"
    assert tile(html, "abandoned") == "1"
    assert tile(html, "connection_rate") == "83.33%"
    assert tile(html, "service_level") == "60.00%"
    assert tile(html, "worst_24h") == "83.33%"


def test_it_judges_the_figures_against_gbt_33358(login, six_calls, tables_of):
    checks = tables_of(login("supervisor").get(URL, six_calls))["checks"]
    assert checks[0] == ["指标", "实际值", "标准要求", "结论"]
    verdicts = {row[0]: (row[1], row[2], row[3]) for row in checks[1:]}
    assert verdicts["24小时人工接通率"] == ("83.33%", "≥ 95.00%", "未达标")
    assert verdicts["15秒内接听（占接通）"] == ("60.00%", "≥ 95.00%", "未达标")
    assert verdicts["平均应答时长"] == ("10.80s", "≤ 15s", "达标")  # (5 + 10 + 20 + 3 + 16) / 5


def test_it_gives_the_connection_rate_per_hour_of_day(login, six_calls, tables_of):
    hours = {row[0]: row[1:] for row in tables_of(login("supervisor").get(URL, six_calls))["hours"][1:]}
    assert len(hours) == 24
    assert hours["08:00–09:00"] == ["4", "3", "1", "75.00%", "66.66%"]  # k2 10 s in, k3 20 s out: 2/3
    assert hours["09:00–10:00"] == ["2", "2", "0", "100.00%", "50.00%"]
    assert hours["10:00–11:00"] == ["0", "0", "0", "—", "—"]


def test_it_counts_calls_per_day_and_charts_them(login, six_calls, tables_of):
    query = {"from": (DAY - timedelta(days=1)).isoformat(), "to": DAY.isoformat()}
    response = login("supervisor").get(URL, query)
    daily = tables_of(response)["daily_calls"]
    assert [row[:4] for row in daily[1:]] == [[(DAY - timedelta(days=1)).isoformat(), "0", "0", "0"],
                                               [DAY.isoformat(), "6", "5", "1"]]
    html = response.content.decode()
    assert 'aria-label="各小时接通率（%）"' in html and 'aria-label="每日呼入、接通与放弃"' in html
    assert "目标 95.00%" in html  # the GB/T line across the hourly bars


def test_without_call_data_it_says_how_to_import(login, db):
    html = login("supervisor").get(URL).content.decode()
    assert "本时段没有话务数据" in html and "rexian calls import" in html
