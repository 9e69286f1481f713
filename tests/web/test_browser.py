"""One order carried round the whole loop in headless Chromium, one login per role.

Chromium is Debian's (/usr/bin/chromium); Playwright never downloads a browser here.
"""

import os
import re

import pytest
from django.db import connections

from tests.conftest import require_tool

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from
# the test body (fixtures, assertions) would otherwise be refused as "async unsafe".
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "correct-horse-battery"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def browser(transactional_db, live_server):
    """Headless Chromium for one test.

    Playwright's sync API runs the code after it in a greenlet with its own
    context, so ORM calls there (fixtures set up later) open a second database
    connection; it is closed here, or PostgreSQL refuses to drop the test database.
    """
    require_tool(CHROMIUM, "the browser test drives Debian's Chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()
        connections.close_all()


def _log_in(browser, live_server, username):
    """A fresh browser context (own cookies) logged in through the login form."""
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return page


def _act(page, number, name, label, fill=lambda panel: None):
    """Open the order, open the action's panel, fill it in and submit; expect the success message."""
    from playwright.sync_api import expect

    page.goto(f"/orders/{number}/")
    panel = page.locator(f"#act-{name}")
    if panel.get_attribute("open") is None:
        panel.locator("summary").click()
    fill(panel)
    panel.locator("button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text(f"已完成“{label}”")


def test_one_order_goes_round_the_whole_loop(browser, live_server, users, tmp_path):
    from playwright.sync_api import expect

    # 话务员 registers the call, keyboard-first: the phone field has the focus.
    agent = _log_in(browser, live_server, "alice")
    agent.goto("/orders/intake/")
    agent.keyboard.type("13812345678")
    expect(agent.locator("#caller-history")).to_contain_text("首次来电")
    agent.select_option("#id_order_type", "complaint")
    agent.select_option("#id_category", "010101")
    agent.fill("#id_title", "小区电梯长期故障")
    agent.fill("#id_content", "幸福小区3栋电梯坏了两周，物业不修。")
    agent.press("#id_content", "Control+Enter")
    agent.wait_for_url(re.compile(r"/orders/\d{8}-\d{5}/$"))
    expect(agent.locator(".alert-success")).to_contain_text("已受理")
    number = agent.url.rstrip("/").rsplit("/", 1)[-1]

    dispatcher = _log_in(browser, live_server, "dan")
    _act(dispatcher, number, "dispatch", "派单", lambda panel: panel.locator("select[name=unit]").select_option("ZJJ"))

    department = _log_in(browser, live_server, "hank")
    _act(department, number, "accept", "签收")
    _act(
        department,
        number,
        "reply",
        "答复",
        lambda panel: (
            panel.locator("select[name=result]").select_option("resolved"),
            panel.locator("textarea[name=content]").fill("已督促物业更换电梯主板，电梯已恢复运行。"),
        ),
    )

    reviewer = _log_in(browser, live_server, "rita")
    _act(reviewer, number, "approve", "审核通过")

    callback = _log_in(browser, live_server, "carl")
    _act(
        callback, number, "callback", "回访", lambda panel: panel.locator("select[name=result]").select_option("satisfied")
    )

    expect(callback.locator(".page-actions .badge").first).to_have_text("已办结")
    expect(callback.locator(".timeline")).to_contain_text("审核通过")
    shot = tmp_path / "closed-order.png"
    callback.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    assert "已办结" in callback.content()
