"""运行总览 in headless Chromium: the charts are drawn and visible, and Chinese text renders.

Chromium is Debian's (/usr/bin/chromium); Playwright never downloads a browser.
The session and CSRF cookies are Secure; Chromium keeps Secure cookies on
http://localhost (a secure context), so logging in through the form works
against the live server as it does in tests/web/test_browser.py.
"""


import pytest

PASSWORD = "correct-horse-battery"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Draws text on a canvas in the page's font and compares it with code points no
# font has: without a CJK font both come out as the same empty boxes.
CJK_RENDERS = """(text) => {
  const draw = (value) => {
    const canvas = document.createElement("canvas");
    canvas.width = 160; canvas.height = 40;
    const context = canvas.getContext("2d");
    context.font = "24px " + getComputedStyle(document.body).fontFamily;
    context.fillText(value, 0, 30);
    return canvas.toDataURL();
  };
  return draw(text) !== draw("\\u0378\\u0379\\u037A");
}"""


def test_the_overview_draws_its_charts_with_chinese_labels(worked, live_server, browser, tmp_path):
    # `worked` comes first: its ORM work runs before Playwright starts its event loop, whose
    # context would otherwise give the ORM a connection of its own, left open at teardown.
    from playwright.sync_api import expect

    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    page.goto("/login/")
    page.fill("#id_username", "sue")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    page.goto("/dashboards/")
    expect(page.locator("h1")).to_have_text("运行总览")
    expect(page.locator('[data-tile="satisfaction_rate"] .stat-value')).to_have_text("50.00%")
    charts = page.locator("svg.chart")
    expect(charts).to_have_count(3)
    for index in range(3):
        chart = charts.nth(index)
        chart.scroll_into_view_if_needed()
        expect(chart).to_be_visible()
        box = chart.bounding_box()
        assert box["width"] > 200 and box["height"] > 100, box
    title = page.locator('svg.chart[aria-label="每日受理量与办结量"] > text').first
    assert title.evaluate("node => node.getComputedTextLength()") > 100  # nine characters laid out
    assert page.evaluate(CJK_RENDERS, "受理量")
    expect(page.locator("a[data-download=daily]")).to_have_text("⤓ 下载 XLSX")

    shot = tmp_path / "overview.png"
    page.evaluate("window.scrollTo(0, 0)")  # the sticky top bar would otherwise land mid-page in the capture
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000
    context.close()
