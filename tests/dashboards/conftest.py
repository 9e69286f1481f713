"""Fixtures for the dashboard tests: orders worked by hand, logins, and reading the pages' tables back."""

from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser
from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from rexian.orders.services.workflow import perform

REPLY = {"result": "resolved", "content": "已处理"}


def carry(order, *steps):
    for user, action, data in steps:
        order = perform(order, action, user, data)
    return order


@pytest.fixture
def worked(users, make_order, settings):
    """Five orders taken today and worked by hand (the figures are counted out in the tests).

    A  complaint, 电话 → 住建局, accepted, replied, approved, callback 满意            (closed)
    B  consult, 微信, answered directly, callback 基本满意                              (closed)
    C  complaint, 电话 → 城管局 returned → 住建局, … callback 不满意 → 重办 → … 不满意 (closed)
    D  电话, voided (骚扰电话)
    E  网站, registered only
    """
    settings.REXIAN = {**settings.REXIAN, "DIRECT_ANSWER_SAMPLE_PERCENT": 100, "CALLBACK_SAMPLE_PERCENT": 100}
    u = users
    carry(make_order(title="A"), (u["dispatcher"], "dispatch", {"unit": "ZJJ"}), (u["housing"], "accept", {}),
          (u["housing"], "reply", REPLY), (u["reviewer"], "approve", {}),
          (u["callback"], "callback", {"result": "satisfied"}))
    carry(make_order(title="B", order_type="consult", channel="wechat"),
          (u["agent"], "direct_answer", {"content": "按政策答复"}),
          (u["callback"], "callback", {"result": "basically"}))
    carry(make_order(title="C"), (u["dispatcher"], "dispatch", {"unit": "CGJ"}),
          (u["urban"], "return", {"reason": "不属本单位职责"}), (u["dispatcher"], "reassign", {"unit": "ZJJ"}),
          (u["housing"], "accept", {}), (u["housing"], "reply", REPLY), (u["reviewer"], "approve", {}),
          (u["callback"], "callback", {"result": "dissatisfied", "reopen": True}),
          (u["housing"], "reply", REPLY), (u["reviewer"], "approve", {}),
          (u["callback"], "callback", {"result": "dissatisfied", "note": "已向市民解释政策"}))
    carry(make_order(title="D"), (u["agent"], "void", {"reason": "骚扰电话"}))
    make_order(title="E", channel="web")
    return timezone.localdate()


@pytest.fixture
def login(client, users):
    """login("supervisor") → the test client, logged in as that role's named user."""

    def as_role(role):
        client.force_login(users[role])
        return client

    return as_role


class _Tables(HTMLParser):
    """Every <table data-table=KEY> of a page as {KEY: [[header…], [cell…], …]} (cell text, trimmed)."""

    def __init__(self):
        super().__init__()
        self.tables, self.key, self.row, self.cell = {}, None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "data-table" in attrs:
            self.key = attrs["data-table"]
            self.tables[self.key] = []
        elif self.key and tag == "tr":
            self.row = []
        elif self.key and self.row is not None and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "table":
            self.key = None
        elif tag == "tr" and self.row is not None:
            self.tables[self.key].append(self.row)
            self.row = None
        elif tag in ("td", "th") and self.cell is not None:
            self.row.append("".join(self.cell).strip())
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def html_tables(response) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(response.content.decode())
    return parser.tables


def xlsx_rows(response) -> list[list]:
    book = load_workbook(BytesIO(response.content))
    assert len(book.worksheets) == 1
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def same_figure(html_text: str, xlsx_value) -> bool:
    """A page cell ("77.47%", "12", "—", "市住建局") against the sheet cell (77.47, 12, "—", "市住建局")."""
    if xlsx_value is None:
        xlsx_value = ""
    if isinstance(xlsx_value, (int, float)) and not isinstance(xlsx_value, bool):
        try:
            return Decimal(html_text.removesuffix("%")) == Decimal(str(xlsx_value))
        except InvalidOperation:
            return False
    return html_text == str(xlsx_value)


@pytest.fixture
def tables_of():
    return html_tables


@pytest.fixture
def sheet_of():
    return xlsx_rows


@pytest.fixture
def same():
    return same_figure
