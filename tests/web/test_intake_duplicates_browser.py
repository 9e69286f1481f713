"""Duplicates in headless Chromium: the intake panel follows the address and area as they
are typed, and a repeat call is merged from the order page in one click.

Chromium is Debian's (/usr/bin/chromium); Playwright never downloads a browser here.
"""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_typing_the_address_and_area_refreshes_similar_orders(transactional_db, live_server, users, make_order, log_in):
    from playwright.sync_api import expect

    text = {"title": "井盖丢失", "content": "井盖丢失，夜里很危险"}
    here = make_order(phone="13800000001", address="幸福路12号", area_code="110101", **text)
    there = make_order(phone="13800000002", address="光明街8号", area_code="110102", **text)
    agent = log_in("alice")
    agent.goto("/orders/intake/")
    agent.fill("#id_phone", "13900000009")
    agent.fill("#id_title", "井盖丢失")
    agent.fill("#id_content", "井盖丢失很危险")
    rows = agent.locator("#similar-orders li")
    expect(rows).to_have_count(2)

    # The address comes after the content: the panel asks again and ranks that place first.
    with agent.expect_request(lambda r: "/orders/similar/" in r.url and "address=" in r.url and "%E5%85%89" in r.url):
        agent.fill("#id_address", "光明街8号")
    expect(rows.first).to_contain_text(there.number)

    # So does the area code, which narrows the candidates to that district.
    agent.fill("#id_area_code", "110101")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(here.number)


def test_a_repeat_call_is_merged_in_one_click(transactional_db, live_server, users, make_order, log_in):
    from playwright.sync_api import expect

    first = make_order(title="楼道灯坏了", content="幸福小区3栋楼道灯坏了一个月")
    again = make_order(channel="wechat", title="还是没人来修", content="上次反映的问题到现在还没解决")
    dispatcher = log_in("dan")
    dispatcher.goto(f"/orders/{again.number}/")
    repeat = dispatcher.locator("#repeat-calls")
    expect(repeat).to_contain_text(first.number)
    repeat.get_by_role("link", name="设为主工单并单").click()

    panel = dispatcher.locator("#act-merge")
    expect(panel).to_have_attribute("open", "")
    expect(panel.locator("input[name=master]")).to_have_value(first.number)
    dispatcher.on("dialog", lambda dialog: dialog.accept())
    panel.locator("button[type=submit]").click()
    expect(dispatcher.locator(".alert-success")).to_contain_text("已完成“并单”")
    again.refresh_from_db()
    assert again.state == "merged" and again.master_id == first.pk
