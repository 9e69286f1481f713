"""The citizen portal, through Django's test client: submit, photos, challenge, limits, tracking, rating."""

import html
import logging
import re
import time
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rexian.callbacks.models import Callback
from rexian.channels import outbox
from rexian.channels.models import Attachment, Conversation, Message, MessageStatus, OnlineRating, TrackingCode
from rexian.channels.portal import challenge
from rexian.channels.portal.services import RATING_USERNAME
from rexian.orders.models import WorkOrder
from rexian.orders.services.workflow import perform
from tests.channels.files import JPEG, no_file_under

PHONE = "13912345678"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
QUESTION = re.compile(r"(\d+) (加|减|乘以) (\d+) 等于多少")
OPS = {"加": lambda a, b: a + b, "减": lambda a, b: a - b, "乘以": lambda a, b: a * b}


@pytest.fixture
def media(settings):
    return settings.MEDIA_ROOT  # each test's own (tests/conftest.py)


@pytest.fixture
def portal_settings(settings):
    """portal_settings(PORTAL_SUBMITS_PER_IP_HOUR=2): override portal figures for one test."""

    def override(**values):
        settings.REXIAN = {**settings.REXIAN, **values}

    return override


def solve(page: str) -> tuple[str, str]:
    """The hidden form token and the right answer to the page's arithmetic question."""
    token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    a, op, b = QUESTION.search(page).groups()
    return html.unescape(token), str(OPS[op](int(a), int(b)))


def request_data(page: str, **overrides) -> dict:
    token, answer = solve(page)
    data = {
        "form_token": token,
        "answer": answer,
        "order_type": "complaint",
        "category": "010101",
        "title": "幸福路路灯不亮",
        "content": "幸福路 12 号门口的路灯已经坏了一周，晚上很黑，请尽快修复。",
        "address": "东华街道幸福路 12 号",
        "name": "李四",
        "phone": PHONE,
        "website": "",
    }
    data.update(overrides)
    return data


def submit(client, **overrides):
    page = client.get("/portal/new/").content.decode()
    return client.post("/portal/new/", request_data(page, **overrides))


def track(client, code, phone=PHONE):
    return client.post("/portal/track/", {"code": code, "phone": phone})


def rate(client, status_page: str, result="satisfied", comment=""):
    access = html.unescape(re.search(r'name="access" value="([^"]+)"', status_page).group(1))
    return client.post("/portal/rate/", {"access": access, "result": result, "comment": comment})


def nothing_stored(media_root=None):
    assert WorkOrder.objects.count() == 0 and Message.objects.count() == 0 and Attachment.objects.count() == 0
    if media_root is not None:
        assert no_file_under(media_root)


# ---------------------------------------------------------------- submit


def test_it_stores_a_request_as_a_web_order_and_shows_code_and_number(client, city):
    response = submit(client, confidential="on")
    assert response.status_code == 302 and response["Location"] == "/portal/submitted/"
    order = WorkOrder.objects.get()
    assert (order.channel, order.order_type, order.category.code) == ("web", "complaint", "010101")
    assert order.contact_phone == PHONE and order.citizen.name == "李四" and order.confidential
    assert order.title == "幸福路路灯不亮" and order.address == "东华街道幸福路 12 号"
    message = Message.objects.get(direction="in")
    assert message.idempotency_key.startswith("portal:") and message.order == order
    ack = Message.objects.get(direction="out")  # the confirmation page is the first response
    assert ack.status == MessageStatus.SENT and order.tracking.code in ack.body
    assert Conversation.objects.get().address.startswith("portal:")  # one thread per submission, no phone
    page = client.get("/portal/submitted/").content.decode()
    assert order.tracking.code in page and order.number in page


def test_a_double_submit_is_one_order(client, city):
    page = client.get("/portal/new/").content.decode()
    data = request_data(page)
    first = client.post("/portal/new/", data)
    second = client.post("/portal/new/", data)
    assert first.status_code == second.status_code == 302
    assert WorkOrder.objects.count() == 1 and Message.objects.filter(direction="in").count() == 1


def test_two_requests_from_one_phone_are_two_orders(client, city):
    submit(client)
    submit(client, title="小区垃圾无人清运", content="幸福小区的垃圾已经三天没有清运，气味很大。")
    assert WorkOrder.objects.count() == 2


def test_photos_are_stored_as_attachments_with_their_sha256(client, city, media):
    import hashlib

    photos = [SimpleUploadedFile("我家门口.jpg", JPEG, "image/jpeg"), SimpleUploadedFile("b.png", PNG, "image/png")]
    assert submit(client, photos=photos).status_code == 302
    attachments = list(Attachment.objects.order_by("id"))
    assert [a.content_type for a in attachments] == ["image/jpeg", "image/png"]
    assert attachments[0].sha256 == hashlib.sha256(JPEG).hexdigest() and attachments[0].size == len(JPEG)
    assert attachments[0].filename == "照片1.jpg"  # the citizen's own file name is not kept
    assert attachments[0].file.read() == JPEG and attachments[0].message.order == WorkOrder.objects.get()


def test_an_oversized_photo_is_refused_and_nothing_is_stored(client, city, media, portal_settings):
    portal_settings(PORTAL_PHOTO_MAX_MB=1)
    big = SimpleUploadedFile("big.jpg", JPEG[:4] + b"\x00" * (1024 * 1024), "image/jpeg")
    response = submit(client, photos=[big])
    assert response.status_code == 400
    assert "超过 1 MB" in response.content.decode()
    nothing_stored(media)


def test_a_fake_jpeg_is_refused(client, city, media):
    fake = SimpleUploadedFile("photo.jpg", b"<?php echo 'not an image'; ?>", "image/jpeg")
    response = submit(client, photos=[fake])
    assert response.status_code == 400 and "不是 JPEG 或 PNG 图片" in response.content.decode()
    nothing_stored(media)


def test_more_than_three_photos_are_refused(client, city, media):
    photos = [SimpleUploadedFile(f"{i}.jpg", JPEG, "image/jpeg") for i in range(4)]
    response = submit(client, photos=photos)
    assert response.status_code == 400 and "最多上传 3 张照片" in response.content.decode()
    nothing_stored(media)


def test_bad_input_gives_chinese_errors_and_stores_nothing(client, city):
    response = submit(client, title="", content="太短", phone="12ab", order_type="other")
    page = response.content.decode()
    assert response.status_code == 400
    assert "请输入有效的电话号码" in page and "这个字段是必填项" in page and "至少 10 个字" in page
    assert "选择一个有效的选项" in page  # 其他 is not offered to citizens
    nothing_stored()


def test_a_failed_save_leaves_no_photo_behind(client, city, media):
    photo = SimpleUploadedFile("a.jpg", JPEG, "image/jpeg")
    with mock.patch("rexian.channels.models.Attachment.save", side_effect=RuntimeError("database gone")):
        with pytest.raises(RuntimeError):
            submit(client, photos=[photo])
    nothing_stored(media)


# ---------------------------------------------------------------- challenge and abuse


def test_a_wrong_answer_is_refused_and_nothing_is_stored(client, city):
    page = client.get("/portal/new/").content.decode()
    data = request_data(page)
    data["answer"] = str(int(data["answer"]) + 1)
    response = client.post("/portal/new/", data)
    assert response.status_code == 400 and "验证题答案不正确" in response.content.decode()
    nothing_stored()
    # The page comes back with a new question for the same form: answering it works.
    retry = response.content.decode()
    assert client.post("/portal/new/", request_data(retry)).status_code == 302
    assert WorkOrder.objects.count() == 1


def test_a_forged_or_expired_challenge_is_refused(client, city):
    page = client.get("/portal/new/").content.decode()
    forged = client.post("/portal/new/", request_data(page, form_token="x" + solve(page)[0]))
    assert forged.status_code == 400 and "验证信息无效" in forged.content.decode()
    with mock.patch("django.core.signing.time.time", return_value=time.time() - 3 * 3600):
        old = challenge.issue()
    expired = client.post("/portal/new/", request_data(page, form_token=old.signed))
    assert expired.status_code == 400 and "已失效" in expired.content.decode()
    nothing_stored()


def test_the_hidden_trap_field_stops_bots(client, city):
    response = submit(client, website="http://spam.example")
    assert response.status_code == 400
    nothing_stored()


def test_submissions_are_limited_per_client_address(client, city, portal_settings):
    portal_settings(PORTAL_SUBMITS_PER_IP_HOUR=2)
    assert submit(client).status_code == 302
    assert submit(client, phone="13900000002").status_code == 302
    response = submit(client, phone="13900000003")
    assert response.status_code == 429 and "提交过于频繁" in response.content.decode()
    assert WorkOrder.objects.count() == 2


def test_submissions_are_limited_per_phone_but_a_double_submit_still_lands(client, city, portal_settings):
    portal_settings(PORTAL_SUBMITS_PER_PHONE_DAY=1)
    page = client.get("/portal/new/").content.decode()
    data = request_data(page)
    assert client.post("/portal/new/", data).status_code == 302
    assert client.post("/portal/new/", data).status_code == 302  # the same form again: its order
    response = submit(client, title="另一件事", content="这是另一件需要反映的事情，内容足够长。")
    assert response.status_code == 429 and "已达上限" in response.content.decode()
    assert WorkOrder.objects.count() == 1


def test_limits_keep_no_address_or_phone_in_clear(client, city):
    from rexian.channels.models import RateLimitHit

    submit(client)
    keys = list(RateLimitHit.objects.values_list("key", flat=True))
    assert keys and all(PHONE not in key and "127.0.0.1" not in key for key in keys)


def test_personal_data_is_never_logged(client, city, caplog):
    caplog.set_level(logging.DEBUG)
    submit(client)
    code = TrackingCode.objects.get().code
    track(client, code)
    track(client, code, phone="13000000000")
    assert PHONE not in caplog.text and "李四" not in caplog.text and "13000000000" not in caplog.text


# ---------------------------------------------------------------- tracking


def test_code_and_phone_show_the_status_in_chinese(client, city):
    submit(client)
    code = TrackingCode.objects.get().code
    response = track(client, code.lower(), phone="139-1234-5678")
    page = response.content.decode()
    assert response.status_code == 200
    assert "已受理，等待分派" in page and "您的诉求已受理" in page and "幸福路路灯不亮" in page


def test_a_wrong_phone_and_an_unknown_code_look_the_same(client, city):
    submit(client)
    code = TrackingCode.objects.get().code
    wrong_phone, unknown_code = track(client, code, phone="13000000000"), track(client, "ZZZZ2345")
    assert wrong_phone.status_code == unknown_code.status_code == 404
    message = "没有找到匹配的诉求，请核对查询码和手机号码（来信请核对邮箱）。"
    assert message in wrong_phone.content.decode() and message in unknown_code.content.decode()
    assert "幸福路" not in wrong_phone.content.decode()


def test_an_order_that_came_by_e_mail_is_found_with_the_address_it_came_from(client, city):
    from rexian.channels.inbound import Inbound, receive

    order = receive(Inbound(channel="email", address="citizen@example.cn", subject="路灯不亮", body="幸福路路灯不亮",
                            external_id="<m1@example.cn>", new_thread=True)).order
    code = order.tracking.code
    found = track(client, code, phone="Citizen@Example.cn ")
    assert found.status_code == 200 and order.number in found.content.decode()
    assert track(client, code, phone="someone.else@example.cn").status_code == 404
    assert track(client, code, phone="").status_code == 400
    submit(client)
    portal_order = WorkOrder.objects.exclude(pk=order.pk).get()
    # A portal order has no e-mail conversation: an address never finds it, even a plausible one.
    assert track(client, portal_order.tracking.code, phone="citizen@example.cn").status_code == 404


def test_lookups_are_limited_per_code_and_per_address(client, city, portal_settings):
    portal_settings(PORTAL_LOOKUP_FAILURES_PER_CODE_HOUR=2, PORTAL_LOOKUPS_PER_IP_HOUR=5)
    submit(client)
    code = TrackingCode.objects.get().code
    track(client, code, phone="13000000001")
    track(client, code, phone="13000000002")
    blocked = track(client, code)  # even the right phone now waits: guessing is pointless
    assert blocked.status_code == 429 and "失败次数过多" in blocked.content.decode()
    assert track(client, "ABCD2345").status_code == track(client, "ABCD2346").status_code == 404
    assert track(client, "ABCD2347").status_code == 429  # the sixth lookup from this address


@pytest.fixture
def answered(client, city, users):
    """A portal complaint dispatched, handled with internal notes, replied and approved: waiting for its callback."""
    submit(client)
    order = WorkOrder.objects.get()
    order = perform(order, "dispatch", users["dispatcher"], {"unit": "ZJJ", "note": "内部备注：该小区多次投诉"})
    order = perform(order, "accept", users["housing"], {})
    order = perform(order, "reply", users["housing"], {"result": "resolved", "content": "经核查，已于 3 月 5 日更换路灯灯泡，照明已恢复。"})
    order = perform(order, "approve", users["reviewer"], {"note": "审核意见：答复规范"})
    assert order.state == "callback"
    return order


def test_the_timeline_shows_units_and_the_answer_but_no_staff_or_notes(client, answered):
    page = track(client, answered.tracking.code).content.decode()
    assert "已转交市住建局办理" in page and "市住建局已签收，正在办理" in page
    assert "经核查，已于 3 月 5 日更换路灯灯泡" in page and "已答复，等待回访" in page
    for secret in ("hank", "dan", "rita", "内部备注", "审核意见", "该小区多次投诉"):
        assert secret not in page


def test_a_satisfied_rating_completes_the_callback(client, answered):
    page = track(client, answered.tracking.code).content.decode()
    response = rate(client, page, "satisfied", "修得很快，谢谢")
    assert response.status_code == 200 and "感谢您的评价" in response.content.decode()
    answered.refresh_from_db()
    callback = Callback.objects.get(order=answered)
    assert answered.state == "closed" and (callback.status, callback.result) == ("done", "satisfied")
    assert callback.agent.username == RATING_USERNAME and not callback.agent.has_usable_password()
    rating = OnlineRating.objects.get()
    assert rating.closed_callback and rating.comment == "修得很快，谢谢"
    actions = list(answered.events.values_list("action", flat=True))
    assert actions[-2:] == ["citizen_rating", "callback"]
    again = rate(client, page, "dissatisfied")
    assert again.status_code == 409 and "已评价过" in again.content.decode()
    assert OnlineRating.objects.count() == 1


def test_an_unsatisfied_rating_is_left_for_the_callback_agent(client, answered):
    page = track(client, answered.tracking.code).content.decode()
    rate(client, page, "dissatisfied", "灯泡又坏了")
    answered.refresh_from_db()
    assert answered.state == "callback" and Callback.objects.get(order=answered).status == "pending"
    event = answered.events.get(action="citizen_rating")
    assert event.data["result"] == "dissatisfied" and event.note == "灯泡又坏了"
    assert not OnlineRating.objects.get().closed_callback


def test_a_rating_can_be_turned_off_as_a_callback(client, answered, portal_settings):
    portal_settings(PORTAL_RATING_CLOSES_CALLBACK=False)
    rate(client, track(client, answered.tracking.code).content.decode(), "satisfied")
    answered.refresh_from_db()
    assert answered.state == "callback" and OnlineRating.objects.count() == 1


def test_no_rating_before_the_answer(client, city):
    from django.core import signing

    from rexian.channels.portal.views import ACCESS_SALT

    submit(client)
    page = track(client, TrackingCode.objects.get().code).content.decode()
    assert 'name="result"' not in page
    access = signing.dumps(WorkOrder.objects.get().pk, salt=ACCESS_SALT)  # as if the form had been there
    response = client.post("/portal/rate/", {"access": access, "result": "satisfied"})
    assert response.status_code == 409 and "还没有正式答复" in response.content.decode()
    assert OnlineRating.objects.count() == 0


def test_a_forged_rating_form_is_refused(client, answered):
    response = client.post("/portal/rate/", {"access": "forged", "result": "satisfied"})
    assert response.status_code == 400 and "页面已过期" in response.content.decode()
    assert OnlineRating.objects.count() == 0


def test_a_rating_after_closure_without_callback_is_recorded(client, answered, users):
    perform(answered, "callback", users["callback"], {"result": "basically"})
    page = track(client, answered.tracking.code).content.decode()
    assert "已办结" in page
    rate(client, page, "satisfied")
    rating = OnlineRating.objects.get()
    assert rating.result == "satisfied" and not rating.closed_callback


def test_the_answer_on_the_outbox_is_marked_delivered_by_the_portal(answered):
    import rexian.channels.portal.delivery  # noqa: F401  (ChannelsConfig.ready() imports it in the app)

    assert outbox.drain().sent == 1
    message = Message.objects.get(direction="out", payload__kind__isnull=True)
    assert message.status == MessageStatus.SENT and message.channel == "web"


def test_the_start_page_links_to_the_public_knowledge_search(client, db):
    page = client.get("/portal/").content.decode()
    assert 'href="/public/knowledge/"' in page and 'href="/portal/new/"' in page and 'href="/portal/track/"' in page
