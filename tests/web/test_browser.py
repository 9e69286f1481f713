"""One order carried round the whole loop in headless Chromium, one login per role.

Chromium is Debian's (/usr/bin/chromium); Playwright never downloads a browser here.
"""

import re

import pytest

PASSWORD = "correct-horse-battery"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


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


def test_one_order_goes_round_the_whole_loop(transactional_db, live_server, users, browser, tmp_path):
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
