"""The WeChat 公众号 callback (handshake, signed XML, passive reply, dedup) and the customer-service API."""

import time
import xml.etree.ElementTree as ET

import pytest

from rexian.channels import gateways, outbox
from rexian.channels.models import Conversation, Message
from rexian.channels.wechat import api
from rexian.channels.wechat.signature import sign
from rexian.orders.models import WorkOrder
from rexian.orders.services.workflow import perform
from tests.channels.peers.http import FakeProvider

TOKEN = "rexianWechatToken1"
OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
ACCOUNT = "gh_12345hotline"


@pytest.fixture
def wechat_settings(settings):
    settings.REXIAN_WECHAT = {"TOKEN": TOKEN}
    return settings.REXIAN_WECHAT


def query(skew=0, token=TOKEN, nonce="1405216781", **extra):
    timestamp = str(int(time.time()) + skew)
    params = {"signature": sign(token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce, **extra}
    return "?" + "&".join(f"{key}={value}" for key, value in params.items())


def xml_message(**fields) -> bytes:
    fields = {"ToUserName": ACCOUNT, "FromUserName": OPENID, "CreateTime": str(int(time.time())), **fields}
    return ("<xml>" + "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in fields.items()) + "</xml>").encode()


def text(content="幸福路路灯不亮，已经一周了", msg_id="23000001", **extra):
    return xml_message(MsgType="text", Content=content, MsgId=msg_id, **extra)


def callback(client, body, **query_args):
    return client.post("/channels/wechat/callback" + query(**query_args), data=body, content_type="text/xml")


def reply_of(response) -> dict:
    assert response.status_code == 200, response.content
    return {child.tag: child.text for child in ET.fromstring(response.content)}


# ---------------------------------------------------------------- handshake and signature


def test_the_verification_handshake_echoes_echostr(client, db, wechat_settings):
    response = client.get("/channels/wechat/callback" + query(echostr="5837397749618381521"))
    assert response.status_code == 200 and response.content == b"5837397749618381521"


def test_a_forged_or_stale_signature_is_refused(client, db, wechat_settings):
    assert client.get("/channels/wechat/callback" + query(token="guess", echostr="1")).status_code == 403
    assert client.get("/channels/wechat/callback?echostr=1").status_code == 403
    assert callback(client, text(), token="guess").status_code == 403
    assert callback(client, text(), skew=-400).status_code == 403
    assert Message.objects.count() == 0


def test_the_callback_answers_503_until_a_token_is_configured(client, db, settings):
    settings.REXIAN_WECHAT = {}
    assert callback(client, text()).status_code == 503


# ---------------------------------------------------------------- messages


def test_a_text_message_becomes_an_order_and_the_passive_reply_carries_the_tracking_code(client, db, wechat_settings):
    reply = reply_of(callback(client, text()))
    order = WorkOrder.objects.get()
    assert (reply["ToUserName"], reply["FromUserName"], reply["MsgType"]) == (OPENID, ACCOUNT, "text")
    assert order.number in reply["Content"] and order.tracking.code in reply["Content"]
    assert (order.channel, order.content) == ("wechat", "幸福路路灯不亮，已经一周了")
    passive = Message.objects.get(direction="out")
    assert (passive.status, passive.body, passive.recipient) == ("sent", reply["Content"], OPENID)
    assert passive.sent_at is not None and passive.in_reply_to.external_id == "msg:23000001"


def test_wechat_retries_of_one_msgid_make_one_order_and_get_the_same_reply(client, db, wechat_settings):
    first = reply_of(callback(client, text()))
    for _ in range(3):
        assert reply_of(callback(client, text()))["Content"] == first["Content"]
    assert WorkOrder.objects.count() == 1 and Message.objects.count() == 2


def test_a_second_message_joins_the_open_order(client, db, wechat_settings):
    callback(client, text())
    reply = reply_of(callback(client, text("补充：在3号楼门口", msg_id="23000002")))
    order = WorkOrder.objects.get()
    assert reply["Content"] == f"已收到，已补充到工单 {order.number}。"


def test_an_image_and_a_location_are_kept(client, db, wechat_settings):
    callback(client, xml_message(MsgType="image", PicUrl="http://mmbiz.qpic.cn/abc", MediaId="media_1", MsgId="1"))
    order = WorkOrder.objects.get()
    assert order.content == "[图片] http://mmbiz.qpic.cn/abc"
    callback(client, xml_message(MsgType="location", Location_X="39.915119", Location_Y="116.403963", Scale="16",
                                 Label="东城区幸福路12号", MsgId="2"))
    location = Message.objects.get(external_id="msg:2")
    assert location.payload == {"type": "location", "latitude": "39.915119", "longitude": "116.403963",
                                "label": "东城区幸福路12号"}


def test_a_location_first_opens_an_order_with_its_coordinates(client, db, wechat_settings):
    callback(client, xml_message(MsgType="location", Location_X="39.9151", Location_Y="116.4039", Label="幸福路",
                                 MsgId="3"))
    order = WorkOrder.objects.get()
    assert (str(order.latitude), str(order.longitude), order.address) == ("39.915100", "116.403900", "幸福路")


def test_subscribe_is_welcomed_once_and_makes_no_order(client, db, wechat_settings):
    created = str(int(time.time()))
    event = xml_message(MsgType="event", Event="subscribe", CreateTime=created)
    assert "欢迎关注" in reply_of(callback(client, event))["Content"]
    callback(client, event)  # WeChat's retry: deduplicated by FromUserName + CreateTime
    assert WorkOrder.objects.count() == 0
    assert Message.objects.filter(external_id=f"event:{OPENID}:{created}").count() == 1


def test_unsubscribe_is_answered_with_success(client, db, wechat_settings):
    response = callback(client, xml_message(MsgType="event", Event="unsubscribe"))
    assert response.content == b"success"


def test_the_progress_button_tells_the_state_of_the_latest_order(client, db, wechat_settings):
    click = xml_message(MsgType="event", Event="CLICK", EventKey="QUERY_PROGRESS", CreateTime="1700000001")
    assert reply_of(callback(client, click))["Content"] == "您还没有通过本公众号提交过诉求。"
    callback(client, text())
    order = WorkOrder.objects.get()
    click = xml_message(MsgType="event", Event="CLICK", EventKey="QUERY_PROGRESS", CreateTime="1700000002")
    assert reply_of(callback(client, click))["Content"] == f"工单 {order.number}（{order.title}）当前状态：待派单。"


def test_voice_and_video_get_a_polite_answer_and_are_not_stored(client, db, wechat_settings):
    reply = reply_of(callback(client, xml_message(MsgType="voice", MediaId="m", MsgId="9")))
    assert "暂不支持" in reply["Content"] and Message.objects.count() == 0


# ---------------------------------------------------------------- hostile input


BILLION_LAUGHS = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>
<xml><ToUserName>gh</ToUserName><Content>&lol2;</Content></xml>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml>&xxe;</xml>"""


@pytest.mark.parametrize(
    "body, status",
    [
        (BILLION_LAUGHS, 400),
        (EXTERNAL_ENTITY, 400),
        (b"<xml><ToUserName>unclosed", 400),
        (b"<notxml></notxml>", 400),
        ("<xml>你好</xml>".encode("gbk"), 400),
        (b"<xml><Content>" + b"x" * (64 * 1024) + b"</Content></xml>", 413),
        (text().replace(OPENID.encode(), b"../../etc"), 400),
        (xml_message(MsgType="location", Location_X="999", Location_Y="1", MsgId="5"), 400),
        (xml_message(MsgType="image", PicUrl="javascript:alert(1)", MsgId="6"), 400),
        (xml_message(MsgType="text", Content="x" * 2049, MsgId="7"), 400),
    ],
)
def test_malformed_oversized_and_hostile_xml_is_refused_and_nothing_is_stored(client, db, wechat_settings, body, status):
    assert callback(client, body).status_code == status
    assert Message.objects.count() == 0 and WorkOrder.objects.count() == 0


def test_safe_mode_without_an_aes_key_is_refused_with_a_clear_message(client, db, wechat_settings):
    response = callback(client, text(), encrypt_type="aes")
    assert response.status_code == 501
    assert b"REXIAN_WECHAT_ENCODING_AES_KEY" in response.content and b"plaintext" in response.content
    encrypted = b"<xml><ToUserName><![CDATA[gh]]></ToUserName><Encrypt><![CDATA[abc]]></Encrypt></xml>"
    assert callback(client, encrypted).status_code == 501


def test_a_passive_reply_cannot_be_broken_out_of_its_cdata(client, db, wechat_settings):
    callback(client, text())
    order = WorkOrder.objects.get()
    WorkOrder.objects.filter(pk=order.pk).update(title="]]><Injected/>")
    click = xml_message(MsgType="event", Event="CLICK", EventKey="QUERY_PROGRESS", CreateTime="1700000003")
    reply = reply_of(callback(client, click))
    assert "]]><Injected/>" in reply["Content"] and set(reply) == {"ToUserName", "FromUserName", "CreateTime",
                                                                    "MsgType", "Content"}


# ---------------------------------------------------------------- customer-service API


def fake_wechat_api(answer) -> FakeProvider:
    """A local server playing WeChat's API: /cgi-bin/token hands out tok-1, tok-2, …
    (the requests kept in `server.tokens`); every other path is `answer(request)`."""
    tokens = []

    def respond(request):
        if request.path == "/cgi-bin/token":
            tokens.append(request.query)
            return 200, {"access_token": f"tok-{len(tokens)}", "expires_in": 7200}
        return answer(request)

    server = FakeProvider(respond)
    server.tokens = tokens
    return server


@pytest.fixture
def wechat_api(settings, wechat_settings):
    server = fake_wechat_api(lambda request: (200, server.send_answer(request)))
    server.send_answer = lambda request: {"errcode": 0, "errmsg": "ok"}
    settings.REXIAN_WECHAT = {**wechat_settings, "APP_ID": "wx123", "APP_SECRET": "s3cret", "API_BASE": server.url,
                              "TIMEOUT": 2}
    api._tokens.clear()
    gateways.configure()
    yield server
    server.stop()
    api._tokens.clear()
    outbox.GATEWAYS.pop("wechat", None)


def queue_answer(client, body="您反映的路灯已修复。"):
    callback(client, text())
    conversation = Conversation.objects.get()
    return outbox.enqueue(conversation, body)


def sends(server):
    return [request for request in server.requests if request.path == "/cgi-bin/message/custom/send"]


def test_an_answer_goes_out_through_the_customer_service_api(client, db, wechat_api):
    message = queue_answer(client)
    queue_answer(client, "第二条")
    assert outbox.drain().sent == 2
    first = sends(wechat_api)[0]
    assert first.query == {"access_token": "tok-1"}
    assert first.json() == {"touser": OPENID, "msgtype": "text", "text": {"content": "您反映的路灯已修复。"}}
    assert "您反映".encode() in first.body  # raw UTF-8: WeChat shows \\uXXXX escapes literally
    assert wechat_api.tokens == [{"grant_type": "client_credential", "appid": "wx123", "secret": "s3cret"}]  # cached
    message.refresh_from_db()
    assert message.status == "sent"


def test_the_approved_answer_of_a_wechat_order_is_sent(client, db, wechat_api, users):
    callback(client, text())
    order = WorkOrder.objects.get()
    for user, action, data in [
        (users["dispatcher"], "dispatch", {"unit": "ZJJ"}),
        (users["housing"], "accept", {}),
        (users["housing"], "reply", {"result": "resolved", "content": "已修复"}),
        (users["reviewer"], "approve", {}),
    ]:
        order = perform(order, action, user, data)
    assert outbox.drain().sent == 1
    assert "已修复" in sends(wechat_api)[0].json()["text"]["content"]


def test_an_expired_token_is_refreshed_and_the_message_sent_once_more(client, db, wechat_api):
    answers = iter([{"errcode": 42001, "errmsg": "access_token expired"}, {"errcode": 0, "errmsg": "ok"}])
    wechat_api.send_answer = lambda request: next(answers)
    queue_answer(client)
    assert outbox.drain().sent == 1
    assert [request.query["access_token"] for request in sends(wechat_api)] == ["tok-1", "tok-2"]


def test_a_token_rejected_twice_is_retried_later_not_failed(client, db, wechat_api):
    wechat_api.send_answer = lambda request: {"errcode": 40001, "errmsg": "invalid credential"}
    queue_answer(client)
    assert outbox.drain().retried == 1
    assert len(sends(wechat_api)) == 2


@pytest.mark.parametrize("errcode, outcome", [(-1, "retried"), (45009, "retried"), (45015, "failed"), (43004, "failed")])
def test_errcodes_are_retried_or_permanent_as_documented(client, db, wechat_api, errcode, outcome):
    wechat_api.send_answer = lambda request: {"errcode": errcode, "errmsg": "x"}
    message = queue_answer(client)
    assert getattr(outbox.drain(), outcome) == 1
    message.refresh_from_db()
    assert f"errcode {errcode}" in message.last_error


def test_an_unreachable_api_is_retried(client, db, wechat_api, settings):
    settings.REXIAN_WECHAT = {**settings.REXIAN_WECHAT, "API_BASE": "http://127.0.0.1:9"}
    gateways.configure()
    message = queue_answer(client)
    assert outbox.drain().retried == 1
    message.refresh_from_db()
    assert "unreachable" in message.last_error and "s3cret" not in message.last_error
