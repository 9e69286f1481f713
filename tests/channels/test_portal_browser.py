"""A citizen on a phone files a request on the portal and follows it, in headless Chromium.

Chromium is Debian's (/usr/bin/chromium); Playwright never downloads a browser here.
Screenshots go to $REXIAN_SCREENSHOTS when set (to look at the pages), else to tmp_path.
"""

import os
import re
from pathlib import Path

import pytest

from rexian.channels.models import Attachment
from rexian.orders.models import WorkOrder
from rexian.orders.services.workflow import perform

PHONE = "13912345678"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 500 + b"\xff\xd9"
OPS = {"加": lambda a, b: a + b, "减": lambda a, b: a - b, "乘以": lambda a, b: a * b}

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_citizen_files_a_request_on_a_phone_follows_it_and_rates_the_answer(transactional_db, live_server, users, settings, browser, tmp_path):
    from playwright.sync_api import expect

    settings.MEDIA_ROOT = tmp_path / "media"
    shots = Path(os.environ.get("REXIAN_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    photo = tmp_path / "路灯.jpg"
    photo.write_bytes(JPEG)
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()

    page.goto("/portal/")
    page.screenshot(path=shots / "portal-1-start.png", full_page=True)
    page.get_by_role("link", name="我要反映").first.click()
    page.wait_for_url(re.compile(r"/portal/new/$"))
    page.select_option("#id_order_type", "complaint")
    page.select_option("#id_category", "010101")
    page.fill("#id_title", "幸福路路灯不亮")
    page.fill("#id_content", "幸福路 12 号门口的路灯已经坏了一周，晚上很黑，请尽快修复。")
    page.fill("#id_address", "东华街道幸福路 12 号")
    page.set_input_files("#id_photos", str(photo))
    page.fill("#id_name", "李四")
    page.fill("#id_phone", PHONE)
    # A wrong answer first: the form comes back filled in, with a new question and a clear reason.
    page.fill("#id_answer", str(answer(page) + 1))
    page.get_by_role("button", name="提交诉求").click()
    expect(page.locator(".errorlist")).to_contain_text("验证题答案不正确")
    expect(page.locator("#id_title")).to_have_value("幸福路路灯不亮")
    assert WorkOrder.objects.count() == 0
    page.screenshot(path=shots / "portal-2-wrong-answer.png", full_page=True)
    page.set_input_files("#id_photos", str(photo))  # browsers never refill a file input
    page.fill("#id_answer", str(answer(page)))
    # Nothing sticks out sideways on a 390 px phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=shots / "portal-3-form.png", full_page=True)
    page.get_by_role("button", name="提交诉求").click()

    page.wait_for_url(re.compile(r"/portal/submitted/$"))
    code = page.locator("#tracking-code").inner_text().strip()
    number = page.locator("#order-number").inner_text().strip()
    order = WorkOrder.objects.get(number=number)
    assert order.tracking.code == code and order.channel == "web" and order.contact_phone == PHONE
    assert Attachment.objects.get().message.order == order
    page.screenshot(path=shots / "portal-4-submitted.png", full_page=True)

    expect(page.locator("#id_code")).to_have_value(code)  # the code is filled in: only the phone is asked
    page.fill("#id_phone", PHONE)
    page.get_by_role("button", name="查询").click()
    expect(page.locator("#citizen-state")).to_have_text("已受理，等待分派")
    expect(page.locator(".portal-steps")).to_contain_text("您的诉求已受理")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=shots / "portal-5-status.png", full_page=True)

    # Answered and approved: the citizen reads the answer and rates it, which completes the callback.
    for user, action, data in [
        (users["dispatcher"], "dispatch", {"unit": "ZJJ", "note": "内部备注"}),
        (users["housing"], "accept", {}),
        (users["housing"], "reply", {"result": "resolved", "content": "已更换路灯灯泡，照明已恢复。"}),
        (users["reviewer"], "approve", {}),
    ]:
        order = perform(order, action, user, data)
    page.goto("/portal/track/")
    page.fill("#id_code", code)
    page.fill("#id_phone", PHONE)
    page.get_by_role("button", name="查询").click()
    expect(page.locator("#official-answer")).to_contain_text("已更换路灯灯泡")
    page.get_by_label("满意", exact=True).check()
    page.fill("#id_comment", "修得很快")
    page.screenshot(path=shots / "portal-6-answer.png", full_page=True)
    page.get_by_role("button", name="提交评价").click()
    expect(page.locator(".alert-success")).to_contain_text("感谢您的评价")
    expect(page.locator("#citizen-state")).to_have_text("已办结")
    page.screenshot(path=shots / "portal-7-rated.png", full_page=True)
    order.refresh_from_db()
    assert order.state == "closed" and order.callbacks.get().result == "satisfied"
    context.close()


def answer(page) -> int:
    a, op, b = re.search(r"(\d+) (加|减|乘以) (\d+)", page.locator("label[for=id_answer]").inner_text()).groups()
    return OPS[op](int(a), int(b))
