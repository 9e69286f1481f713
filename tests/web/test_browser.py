"""One order carried round the whole loop in headless Chromium, one login per role.

Chromium is Debian's (/usr/bin/chromium); Playwright never downloads a browser here.
"""

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


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


def test_one_order_goes_round_the_whole_loop(transactional_db, live_server, users, log_in, tmp_path):
    from playwright.sync_api import expect

    # 话务员 registers the call, keyboard-first: the phone field has the focus.
    agent = log_in("alice")
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

    dispatcher = log_in("dan")
    _act(dispatcher, number, "dispatch", "派单", lambda panel: panel.locator("select[name=unit]").select_option("ZJJ"))

    department = log_in("hank")
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

    reviewer = log_in("rita")
    _act(reviewer, number, "approve", "审核通过")

    callback = log_in("carl")
    _act(
        callback, number, "callback", "回访", lambda panel: panel.locator("select[name=result]").select_option("satisfied")
    )

    expect(callback.locator(".page-actions .badge").first).to_have_text("已办结")
    expect(callback.locator(".timeline")).to_contain_text("审核通过")
    shot = tmp_path / "closed-order.png"
    callback.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    assert "已办结" in callback.content()
