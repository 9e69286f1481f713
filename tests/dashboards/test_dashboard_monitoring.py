"""第三方监测 on the web: a small hand-made campaign, its rankings, downloads and bad uploads.

| line  | province | calls                              | connection | service | overall |
|-------|----------|------------------------------------|------------|---------|---------|
| GD001 | 广东     | 2 answered in 10 s, every item done | 100        | 100     | 100     |
| GD002 | 广东     | 1 answered in 10 s (all done), busy | 65         | 100     | 82.5    |
| SC001 | 四川     | 2 answered in 30 s, no item done    | 88         | 0       | 44      |
| SC002 | 四川     | busy, no answer                     | 0          | —       | 0       |

connection = 0.7 × rate points + 0.3 × speed points (30 s → 60), overall = the
mean of connection and service, with the default configuration.
"""

import time
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from rexian.core.models import AuditAction, AuditEntry
from rexian.dashboards import monitoring

URL = reverse("dashboards:monitoring")
HEADER = ("hotline_id,province,city,round,called_at,outcome,seconds_to_human,"
          "greeting,ask_need,apology_lookup,ask_more,thanks,ask_details,explain_policy,resolved")
ALL, NONE, EMPTY = ",1,1,1,1,1,1,1,1", ",0,0,0,0,0,0,0,0", ",,,,,,,,"
PROBES = "\n".join([
    HEADER,
    "GD001,广东,广州,1,2017-07-10 09:00,answered,10" + ALL,
    "GD001,广东,广州,1,2017-07-11 15:30,answered,10" + ALL,
    "GD002,广东,深圳,1,2017-07-10 09:05,answered,10" + ALL,
    "GD002,广东,深圳,1,2017-07-11 15:35,busy," + EMPTY,
    "SC001,四川,成都,1,2017-07-10 09:10,answered,30" + NONE,
    "SC001,四川,成都,1,2017-07-11 15:40,answered,30" + NONE,
    "SC002,四川,绵阳,1,2017-07-10 09:15,busy," + EMPTY,
    "SC002,四川,绵阳,1,2017-07-11 15:45,no_answer," + EMPTY,
]) + "\n"


@pytest.fixture(autouse=True)
def runs_in_tmp(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path / "tmp" / "monitoring"


def upload(name="probes.csv", content=PROBES):
    data = content.encode("utf-8") if isinstance(content, str) else content
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


@pytest.fixture
def campaign(login):
    """The supervisor's client, after uploading the campaign; returns (client, page response)."""
    client = login("supervisor")
    response = client.post(URL, {"probes": upload()})
    assert response.status_code == 302 and "?run=" in response["Location"]
    return client, client.get(response["Location"])


def test_it_ranks_the_hand_made_campaign(campaign, tables_of):
    _client, response = campaign
    tables = tables_of(response)
    overall = [row[:5] for row in tables["overall"][1:]]
    assert overall == [
        ["1", "GD001", "广东", "广州", "100.00"],
        ["2", "GD002", "广东", "深圳", "82.50"],
        ["3", "SC001", "四川", "成都", "44.00"],
        ["4", "SC002", "四川", "绵阳", "0.00"],
    ]
    service = [row[:2] + row[4:5] for row in tables["service"][1:]]
    assert service == [["1", "GD001", "100.00"], ["1", "GD002", "100.00"], ["3", "SC001", "0.00"]]  # SC002: no call
    provinces = [row[:4] for row in tables["provinces"][1:]]
    assert provinces == [["1", "广东", "2", "91.25"], ["2", "四川", "2", "22.00"]]
    assert tables["full_connection"][1:] == [["本时段没有数据。"]]  # one round of four: nobody qualifies
    assert tables["most_improved"][1:] == [["本时段没有数据。"]]  # no previous campaign


def test_it_shows_tiles_charts_and_item_achievement(campaign, tables_of):
    _client, response = campaign
    html = response.content.decode()
    assert "总体平均得分" in html and "56.62" in html  # (100 + 82.5 + 44 + 0) / 4, cut
    assert 'aria-label="各省（区、市）热线平均得分（分）"' in html
    assert 'aria-label="服务礼仪各检查项达成率（%）"' in html
    items = {row[2]: row[3:] for row in tables_of(response)["items"][1:]}
    assert items["greeting"] == ["3", "5", "60.00%"]  # done on GD001 ×2 and GD002, not on SC001 ×2


def test_a_previous_campaign_fills_the_previous_ranks(login, tables_of):
    client = login("admin")
    response = client.post(URL, {"probes": upload(), "previous": upload("2016.xlsx", _xlsx(PROBES))})
    tables = tables_of(client.get(response["Location"]))
    header = tables["overall"][0]
    previous, rise = header.index("上期排名"), header.index("名次上升")
    assert [(row[previous], row[rise]) for row in tables["overall"][1:]] == [("1", "0"), ("2", "0"), ("3", "0"), ("4", "0")]


def test_the_reports_download_and_are_audited(campaign, users):
    client, response = campaign
    run = response.context["run"].token
    xlsx = client.get(URL, {"run": run, "download": "report.xlsx"})
    assert xlsx.status_code == 200 and "report.xlsx" in xlsx["Content-Disposition"]
    book = load_workbook(BytesIO(xlsx.content))
    assert "总体排行榜（前 30 名）" in book.sheetnames and "说明" in book.sheetnames
    page = client.get(URL, {"run": run, "download": "report.html"})
    assert page.status_code == 200 and "attachment" in page["Content-Disposition"]
    assert "12345 政务服务便民热线第三方监测报告" in page.content.decode()
    entries = AuditEntry.objects.filter(action=AuditAction.EXPORT, actor=users["supervisor"])
    assert entries.count() == 2 and all("probes.csv" in entry.summary for entry in entries)


def test_each_monitoring_table_downloads_as_shown(campaign, tables_of, sheet_of, same):
    client, response = campaign
    run = response.context["run"].token
    for key, html_rows in tables_of(response).items():
        html_rows = [row for row in html_rows if row != ["本时段没有数据。"]]
        sheet = sheet_of(client.get(URL, {"run": run, "format": "xlsx", "table": key}))
        assert [cell.removesuffix("(%)") for cell in sheet[0]] == html_rows[0]
        assert len(sheet) == len(html_rows), key
        for html_row, sheet_row in zip(html_rows[1:], sheet[1:]):
            assert all(same(text, value) for text, value in zip(html_row, sheet_row, strict=True)), (key, html_row)
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT).count() == 7


def test_a_run_belongs_to_its_session_and_user(campaign, client, users):
    _client, response = campaign
    run = response.context["run"].token
    client.logout()
    client.force_login(users["admin"])  # a new session that never saw this upload
    refused = client.get(URL, {"run": run})
    assert refused.status_code == 404 and "已过期或不属于您" in refused.content.decode()
    assert client.get(URL, {"run": run, "download": "report.xlsx"}).status_code == 404
    assert client.get(URL, {"run": "../../etc"}).status_code == 404


def test_old_runs_are_swept(campaign, runs_in_tmp):
    assert len(list(runs_in_tmp.iterdir())) == 1
    monitoring.sweep(now=time.time() + (monitoring.RUN_HOURS + 1) * 3600)
    assert list(runs_in_tmp.iterdir()) == []


BAD_UPLOADS = [
    (upload("probes.txt", "x"), "不支持的文件类型“.txt”"),
    (upload("bad.csv", "hotline_id,province\nGD001,广东\n"), "文件 bad.csv 第 1 行：缺少必需的列 city, round"),
    (upload("bad.csv", PROBES.replace("no_answer", "maybe")), "文件 bad.csv 第 9 行 列 outcome：未知的结果“maybe”"),
    (upload("bad.csv", HEADER + "\n"), "只有表头，没有测试电话记录"),
    (upload("broken.xlsx", b"not a zip file"), "文件 broken.xlsx：不是有效的 .xlsx 文件"),
]


@pytest.mark.parametrize("file, message", BAD_UPLOADS)
def test_a_bad_upload_says_what_is_wrong(login, runs_in_tmp, file, message):
    response = login("supervisor").post(URL, {"probes": file})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not runs_in_tmp.exists() or list(runs_in_tmp.iterdir()) == []  # nothing kept


def test_a_bad_previous_file_is_named_as_uploaded(login):
    response = login("supervisor").post(URL, {"probes": upload(), "previous": upload("2016.csv", "hotline_id\n")})
    assert response.status_code == 400
    assert "文件 2016.csv 第 1 行：缺少必需的列" in response.content.decode()


def test_a_missing_file_is_asked_for(login):
    response = login("supervisor").post(URL, {})
    assert response.status_code == 400 and "这个字段是必填项" in response.content.decode()


def test_a_file_over_the_limit_is_refused(login, settings):
    settings.REXIAN = {**settings.REXIAN, "MONITORING_UPLOAD_MAX_BYTES": 200}
    response = login("supervisor").post(URL, {"probes": upload()})
    assert response.status_code == 400
    assert "超过上限 200\xa0字节" in response.content.decode()  # filesizeformat keeps number and unit together


def test_a_request_over_the_limit_is_refused_before_it_is_read(login, settings):
    settings.REXIAN = {**settings.REXIAN, "MONITORING_UPLOAD_MAX_BYTES": 200}
    response = login("supervisor").post(URL, {"probes": upload(content="x" * 100_000)})
    assert response.status_code == 413
    assert "上传的文件太大" in response.content.decode()


def test_uploads_need_the_csrf_token(users, runs_in_tmp):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(users["supervisor"])
    assert client.post(URL, {"probes": upload()}).status_code == 403
    assert not runs_in_tmp.exists()


def _xlsx(csv_text: str) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    for line in csv_text.strip().split("\n"):
        book.active.append([cell or None for cell in line.split(",")])
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
