"""What citizens sent along with a request, on the order's page and served to staff who may see the order."""

import pytest
from django.core.files.base import ContentFile

from rexian.channels.models import Attachment, Conversation, Direction, Message, MessageStatus
from rexian.orders.services import workflow
from tests.api.api_helpers import api_as
from tests.channels.files import JPEG

HTML = b"<html><script>alert(document.cookie)</script></html>"



@pytest.fixture
def files(make_order):
    """An order with a photo and, as an e-mail may bring, an HTML file named like a picture."""
    order = make_order()
    conversation = Conversation.objects.create(channel="email", address="citizen@example.cn", order=order)
    message = Message.objects.create(conversation=conversation, channel="email", direction=Direction.INBOUND,
                                     status=MessageStatus.RECEIVED, order=order)

    def attach(name, data, content_type):
        attachment = Attachment(message=message, filename=name, content_type=content_type, size=len(data), sha256="0" * 64)
        attachment.file.save(name, ContentFile(data))
        return attachment

    return order, attach("照片1.jpg", JPEG, "image/jpeg"), attach("路灯.jpg", HTML, "image/jpeg")


def test_the_order_page_shows_the_citizens_files(client, users, files):
    order, photo, disguised = files
    client.force_login(users["agent"])
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert "市民上传的附件" in page
    assert f'<img src="/channels/attachments/{photo.pk}/"' in page
    assert f"/channels/attachments/{disguised.pk}/" in page


def test_a_photo_is_shown_inline_and_anything_else_only_downloaded(client, users, files):
    _order, photo, disguised = files
    client.force_login(users["agent"])
    shown = client.get(f"/channels/attachments/{photo.pk}/")
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"
    assert b"".join(shown.streaming_content) == JPEG
    assert shown["Content-Disposition"].startswith("inline")
    assert "sandbox" in shown["Content-Security-Policy"]
    # The bytes decide, not the name or the type the sender claimed.
    offered = client.get(f"/channels/attachments/{disguised.pk}/")
    assert offered["Content-Type"] == "application/octet-stream"
    assert offered["Content-Disposition"].startswith("attachment")


def test_only_staff_who_may_see_the_order_get_its_files(client, users, files):
    order, photo, _disguised = files
    assert client.get(f"/channels/attachments/{photo.pk}/").status_code == 302  # to the login page
    client.force_login(users["urban"])  # a unit the order was never dispatched to
    assert client.get(f"/channels/attachments/{photo.pk}/").status_code == 404
    workflow.perform(order, "dispatch", users["dispatcher"], {"unit": "ZJJ"})  # to 住建局
    client.force_login(users["housing"])
    assert client.get(f"/channels/attachments/{photo.pk}/").status_code == 200
    assert client.get("/channels/attachments/999999/").status_code == 404


def test_a_file_gone_from_disk_is_a_404_not_an_error(client, users, files):
    _order, photo, _disguised = files
    photo.file.delete(save=False)
    client.force_login(users["agent"])
    assert client.get(f"/channels/attachments/{photo.pk}/").status_code == 404


# ---------------------------------------------------------------- the API



def test_the_api_lists_an_orders_files_and_serves_them_as_the_page_does(users, files):
    order, photo, disguised = files
    api = api_as(users["agent"])
    listed = api.get(f"/orders/{order.number}/attachments").json()
    assert [(item["id"], item["filename"], item["size"], item["channel"]) for item in listed] == [
        (photo.pk, "照片1.jpg", len(JPEG), "email"), (disguised.pk, "路灯.jpg", len(HTML), "email")]
    shown = api.get(f"/orders/{order.number}/attachments/{photo.pk}")
    assert listed[0]["url"] == f"/api/v1/orders/{order.number}/attachments/{photo.pk}"
    assert shown["Content-Type"] == "image/jpeg" and b"".join(shown.streaming_content) == JPEG
    offered = api.get(f"/orders/{order.number}/attachments/{disguised.pk}")
    assert offered["Content-Type"] == "application/octet-stream" and offered["Content-Disposition"].startswith("attachment")


def test_the_api_hides_files_of_orders_the_caller_may_not_see(users, files, make_order):
    order, photo, _disguised = files
    outsider = api_as(users["urban"])
    assert outsider.get(f"/orders/{order.number}/attachments").status_code == 404
    assert outsider.get(f"/orders/{order.number}/attachments/{photo.pk}").status_code == 404
    other = make_order(phone="13900000002")  # a file is only reached through its own order
    assert api_as(users["agent"]).get(f"/orders/{other.number}/attachments/{photo.pk}").status_code == 404
    assert api_as(users["agent"]).get(f"/orders/{other.number}/attachments").json() == []
