"""Pictures sent on WeChat: a pending download in the callback, fetched by the worker from a fake WeChat API."""

import hashlib
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from rexian.channels import outbox, poll_cli
from rexian.channels.models import Attachment, MediaDownload, Message
from rexian.channels.wechat import api, media
from rexian.channels.wechat.api import WeChatApi
from rexian.orders.models import WorkOrder
from tests.channels.test_wechat import TOKEN, callback, fake_wechat_api, reply_of, xml_message
from tests.racing import race
from tests.channels.files import JPEG, no_file_under

HTML = b"<!DOCTYPE html><html><body>502 Bad Gateway</body></html>"
MEDIA_ID = "Wx5-media_0001"


@pytest.fixture
def media_root(settings):
    return settings.MEDIA_ROOT  # each test's own (tests/conftest.py)


@pytest.fixture
def wechat(settings, media_root):
    """A fake WeChat API: tokens tok-1, tok-2, …; `server.media_answer(request)` answers /cgi-bin/media/get."""
    def respond(request):
        if request.path == "/cgi-bin/media/get":
            return server.media_answer(request)
        return 404, {"errcode": 404}

    server = fake_wechat_api(respond)
    server.media_answer = lambda request: (200, JPEG, "image/jpeg")
    settings.REXIAN_WECHAT = {"TOKEN": TOKEN, "APP_ID": "wx123", "APP_SECRET": "s3cret", "API_BASE": server.url,
                              "TIMEOUT": 2}
    api._tokens.clear()
    yield server
    server.stop()
    api._tokens.clear()
    outbox.GATEWAYS.pop("wechat", None)


def image(msg_id="24000001", media_id=MEDIA_ID):
    return xml_message(MsgType="image", PicUrl="http://mmbiz.qpic.cn/lamp", MediaId=media_id, MsgId=msg_id)


def media_requests(server):
    return [request for request in server.requests if request.path == "/cgi-bin/media/get"]


def fetch(now=None):
    return media.fetch_due(WeChatApi(), now=now)


def nothing_stored(media_root):
    assert Attachment.objects.count() == 0 and no_file_under(media_root)


def test_an_image_message_opens_its_order_and_leaves_a_pending_download(client, db, wechat):
    reply = reply_of(callback(client, image()))
    order = WorkOrder.objects.get()
    assert order.number in reply["Content"]
    download = MediaDownload.objects.get()
    assert (download.message.order, download.media_id, download.status, download.attempts) == (
        order, MEDIA_ID, "pending", 0)
    assert wechat.requests == []  # the callback calls nothing, not even for a token


def test_the_worker_fetches_the_picture_and_stores_it_on_the_orders_message(client, db, wechat):
    callback(client, image())
    result = poll_cli.tick()
    assert (result.pictures, result.retried, result.failed) == (1, 0, 0)
    (request,) = media_requests(wechat)
    assert request.query == {"access_token": "tok-1", "media_id": MEDIA_ID}
    message = Message.objects.get(external_id="msg:24000001")
    attachment = message.attachments.get()
    assert (attachment.content_type, attachment.size, attachment.filename) == ("image/jpeg", len(JPEG), "照片1.jpg")
    assert attachment.sha256 == hashlib.sha256(JPEG).hexdigest() and attachment.file.read() == JPEG
    assert message.order == WorkOrder.objects.get()
    download = MediaDownload.objects.get()
    assert (download.status, download.attempts, download.attachment, download.last_error) == ("done", 1, attachment, "")
    assert download.finished_at is not None and download.next_attempt_at is None
    assert not poll_cli.tick() and len(media_requests(wechat)) == 1  # done is done


def test_a_retried_callback_makes_no_second_download(client, db, wechat):
    first = reply_of(callback(client, image()))
    for _ in range(3):
        assert reply_of(callback(client, image()))["Content"] == first["Content"]
    assert MediaDownload.objects.count() == 1
    assert fetch().stored == 1 and fetch().stored == 0
    assert len(media_requests(wechat)) == 1 and Attachment.objects.count() == 1


def test_without_app_id_and_secret_nothing_is_queued(client, db, settings, wechat):
    settings.REXIAN_WECHAT = {"TOKEN": TOKEN}
    reply_of(callback(client, image()))
    assert WorkOrder.objects.count() == 1 and MediaDownload.objects.count() == 0
    assert Message.objects.get(external_id="msg:24000001").payload["media_id"] == MEDIA_ID


def test_an_expired_token_is_refreshed_once(client, db, wechat):
    answers = iter([(200, {"errcode": 42001, "errmsg": "access_token expired"}), (200, JPEG, "image/jpeg")])
    wechat.media_answer = lambda request: next(answers)
    callback(client, image())
    assert fetch().stored == 1
    assert [request.query["access_token"] for request in media_requests(wechat)] == ["tok-1", "tok-2"]
    assert MediaDownload.objects.get().attempts == 1


def test_an_errcode_answer_fails_finally_with_the_reason(client, db, wechat, media_root):
    # WeChat labels its JSON errors text/plain.
    wechat.media_answer = lambda request: (200, b'{"errcode":40007,"errmsg":"invalid media_id"}', "text/plain")
    callback(client, image())
    assert fetch().failed == 1
    download = MediaDownload.objects.get()
    assert (download.status, download.attempts, download.next_attempt_at) == ("failed", 1, None)
    assert "errcode 40007" in download.last_error and "invalid media_id" in download.last_error
    assert fetch(timezone.now() + timedelta(days=1)).failed == 0 and len(media_requests(wechat)) == 1
    nothing_stored(media_root)


@pytest.mark.parametrize("answer, reason", [
    ((200, HTML, "image/jpeg"), "不是 JPEG 或 PNG"),  # the declared type does not count, the bytes do
    ((200, JPEG[:-2] + b"\x00" * (1024 * 1024) + b"\xff\xd9", "image/jpeg"), "超过 1 MB"),
])
def test_a_body_that_is_not_a_picture_or_too_large_is_refused_and_nothing_stored(
    client, db, settings, wechat, media_root, answer, reason
):
    settings.REXIAN = {**settings.REXIAN, "PORTAL_PHOTO_MAX_MB": 1}
    wechat.media_answer = lambda request: answer
    callback(client, image())
    assert fetch().failed == 1
    download = MediaDownload.objects.get()
    assert download.status == "failed" and reason in download.last_error
    nothing_stored(media_root)


def test_a_network_error_is_retried_later_with_the_attempts_counted(client, db, wechat, media_root):
    wechat.media_answer = lambda request: (None, 0)  # the connection is closed without an answer
    callback(client, image())
    assert fetch().retried == 1
    download = MediaDownload.objects.get()
    assert (download.status, download.attempts) == ("pending", 1)
    assert "unreachable" in download.last_error and "s3cret" not in download.last_error
    assert timedelta(seconds=25) < download.next_attempt_at - timezone.now() <= timedelta(seconds=30)
    assert fetch().retried == 0  # not yet due
    wechat.media_answer = lambda request: (200, JPEG, "image/jpeg")
    assert fetch(timezone.now() + timedelta(seconds=31)).stored == 1
    download.refresh_from_db()
    assert (download.status, download.attempts, download.last_error) == ("done", 2, "")


def test_a_download_gives_up_after_the_outboxs_attempts(client, db, wechat):
    wechat.media_answer = lambda request: (503, {"errcode": -1})
    callback(client, image())
    later = timezone.now()
    for _ in range(outbox.MAX_ATTEMPTS):
        later += timedelta(hours=1)
        fetch(later)
    download = MediaDownload.objects.get()
    assert (download.status, download.attempts) == ("failed", outbox.MAX_ATTEMPTS)
    assert "HTTP 503" in download.last_error


def test_media_older_than_three_days_fail_without_asking_wechat(client, db, wechat):
    callback(client, image())
    assert fetch(timezone.now() + timedelta(days=3, minutes=1)).failed == 1
    download = MediaDownload.objects.get()
    assert download.status == "failed" and "已过期" in download.last_error
    assert wechat.requests == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_claiming_at_once_fetch_once(client, wechat):
    def slow_jpeg(request):
        time.sleep(0.3)  # the first worker is still fetching while the second looks for work
        return 200, JPEG, "image/jpeg"

    wechat.media_answer = slow_jpeg
    callback(client, image())
    results = race(fetch, fetch)
    assert sorted(result.stored for result in results) == [0, 1]
    assert len(media_requests(wechat)) == 1 and Attachment.objects.count() == 1
    assert MediaDownload.objects.get().attempts == 1


def test_a_worker_tick_that_only_stored_pictures_is_reported():
    from rexian.channels.poll_cli import TickResult

    assert TickResult(pictures=1) and not TickResult()  # the worker logs a tick when its result is true
