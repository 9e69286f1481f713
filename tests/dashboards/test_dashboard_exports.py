"""Every table on every dashboard downloads as XLSX holding exactly the figures on the page."""

import pytest
from django.urls import reverse

from rexian.core.models import AuditAction, AuditEntry

TABLES = {
    "overview": ["kpis", "daily", "channels", "satisfaction", "first_response"],
    "units": ["units", "scorecard"],
    "categories": ["top_categories", "categories"],
    "calls": ["checks", "hours", "daily_calls"],
}


@pytest.mark.parametrize("page, keys", TABLES.items())
def test_each_download_equals_its_html_table(login, worked, page, keys, tables_of, sheet_of, same):
    client = login("supervisor")
    query = {"month": worked.strftime("%Y-%m")} if page == "units" else {}
    page_tables = tables_of(client.get(reverse(f"dashboards:{page}"), query))
    assert sorted(page_tables) == sorted(keys)
    for key in keys:
        html_rows = [row for row in page_tables[key] if row != ["本时段没有数据。"]]
        response = client.get(reverse(f"dashboards:{page}"), {**query, "format": "xlsx", "table": key})
        sheet = sheet_of(response)
        header = [cell.removesuffix("(%)") for cell in sheet[0]]
        assert header == html_rows[0], key
        assert len(sheet) == len(html_rows), key
        for html_row, sheet_row in zip(html_rows[1:], sheet[1:]):
            assert all(same(text, value) for text, value in zip(html_row, sheet_row, strict=True)), (key, html_row, sheet_row)
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT).count() == len(keys)


def test_percent_columns_are_numbers_in_the_sheet(login, worked, sheet_of):
    response = login("admin").get(reverse("dashboards:overview"), {"format": "xlsx", "table": "satisfaction"})
    sheet = sheet_of(response)
    assert sheet[0] == ["回访结果", "件数", "占比(%)"]
    assert sheet[1] == ["满意", 1, 25.0]


def test_the_download_link_keeps_the_period(login, worked):
    html = login("supervisor").get(reverse("dashboards:overview"), {"from": "2026-01-01", "to": "2026-01-31"}).content.decode()
    assert "?from=2026-01-01&amp;to=2026-01-31&amp;format=xlsx&amp;table=daily" in html
    assert html.count("下载 XLSX") == 5
