"""What a WeChat callback does: store the message once, answer with the tracking code.

Only database work happens here: the passive reply must reach WeChat within
5 seconds (otherwise WeChat retries, three times, then tells the user the
account is unavailable), so nothing in this path calls out to anything.
WeChat's retries carry the same MsgId (events: the same FromUserName and
CreateTime), so a retry finds the stored message and gets the same reply.
A picture is not fetched here either: its MediaId becomes a pending
`MediaDownload` in the message's transaction, for the worker (wechat.media).
"""

import logging
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone

from rexian.channels import firstresponse
from rexian.channels.inbound import Inbound, receive
from rexian.channels.models import Conversation, Direction, MediaDownload, Message, MessageStatus
from rexian.channels.wechat.conf import WeChatConfig

log = logging.getLogger("rexian.channels.wechat")

CHANNEL = "wechat"
_OPENID = re.compile(r"^[A-Za-z0-9_-]{6,64}$")
_ACCOUNT = re.compile(r"^[A-Za-z0-9_@.-]{1,64}$")
_DIGITS = re.compile(r"^\d{1,32}$")
MAX_TEXT = 2048
UNSUPPORTED = "暂不支持语音、视频等消息。请发送文字、图片或位置描述您的问题。"
HELP = "请直接发送文字、图片或位置反映问题；点击菜单“办理进度”可查看最近一件诉求的办理情况。"


class Invalid(ValueError):
    pass


def mask_openid(openid: str) -> str:
    return f"{openid[:4]}…{openid[-2:]}" if len(openid) > 8 else "…"


@dataclass
class Reply:
    to_user: str  # the citizen's openid
    from_user: str  # our account
    content: str


def _field(fields: dict, name: str, pattern: re.Pattern | None = None, required: bool = True) -> str:
    value = fields.get(name, "")
    if required and not value:
        raise Invalid(f"<{name}> is required")
    if value and pattern is not None and not pattern.match(value):
        raise Invalid(f"<{name}> is malformed")
    return value


def _coordinate(value: str, limit: int, name: str) -> Decimal:
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise Invalid(f"<{name}> is not a number") from None
    if not number.is_finite() or abs(number) > limit:
        raise Invalid(f"<{name}> is out of range")
    return number.quantize(Decimal("0.000001"))


def _content(msg_type: str, fields: dict) -> tuple[str, dict, dict]:
    """(body, intake fields for a new order, payload) of a text, image or location message."""
    if msg_type == "text":
        text = fields.get("Content", "")
        if len(text) > MAX_TEXT:
            raise Invalid(f"<Content> is longer than {MAX_TEXT} characters")
        return text, {}, {}
    if msg_type == "image":
        url = fields.get("PicUrl", "")
        if not re.match(r"^https?://\S{1,1000}$", url):
            raise Invalid("<PicUrl> must be an http(s) URL")
        media_id = _field(fields, "MediaId", re.compile(r"^[A-Za-z0-9_-]{1,128}$"), required=False)
        return f"[图片] {url}", {}, {"pic_url": url, "media_id": media_id}
    latitude = _coordinate(fields.get("Location_X", ""), 90, "Location_X")
    longitude = _coordinate(fields.get("Location_Y", ""), 180, "Location_Y")
    label = " ".join(fields.get("Label", "").split())[:300]
    body = f"[位置] {label or '未命名地点'}（纬度 {latitude}，经度 {longitude}）"
    intake = {"latitude": latitude, "longitude": longitude, "address": label}
    return body, intake, {"latitude": str(latitude), "longitude": str(longitude), "label": label}


def _reply_text(received) -> str:
    order = received.order
    if firstresponse.is_new_order(received):
        return (
            f"您的诉求已受理，工单号 {order.number}，查询码 {order.tracking.code}。"
            "办理结果将通过本公众号答复，也可凭查询码和手机号在网站查询。"
        )
    return f"已收到，已补充到工单 {order.number}。"


def _request(fields: dict, openid: str, create_time: str, msg_type: str, config: WeChatConfig, now) -> str:
    if msg_type == "text" and not fields.get("Content", "").strip():
        return HELP
    body, intake, payload = _content(msg_type, fields)
    msg_id = _field(fields, "MsgId", _DIGITS, required=False)
    key = f"msg:{msg_id}" if msg_id else f"msg:{openid}:{create_time}"
    with transaction.atomic():
        received = receive(
            Inbound(channel=CHANNEL, address=openid, body=body, external_id=key,
                    payload={"type": msg_type, **payload}, intake=intake),
            now=now,
        )
        if received.created and payload.get("media_id") and config.sending:
            # Fetched later by the worker (wechat.media): the callback calls nothing.
            MediaDownload.objects.create(message=received.message, media_id=payload["media_id"], next_attempt_at=now,
                                         created_at=now)
        reply = firstresponse.record_reply(received, _reply_text(received), now=now)
    if received.created:
        log.info("WeChat %s from %s into order %s", msg_type, mask_openid(openid), received.order.number)
    return reply.body


def _conversation(openid: str, now) -> Conversation:
    conversation = Conversation.objects.filter(channel=CHANNEL, address=openid).order_by("id").first()
    return conversation or Conversation.objects.create(channel=CHANNEL, address=openid, created_at=now,
                                                       last_message_at=now)


def _store_event(openid: str, create_time: str, event: str, event_key: str, now) -> bool:
    """Keep the event once (dedup by FromUserName + CreateTime); False for a repeated delivery."""
    key = f"event:{openid}:{create_time}"
    if Message.objects.filter(channel=CHANNEL, direction=Direction.INBOUND, external_id=key).exists():
        return False
    try:
        with transaction.atomic():
            Message.objects.create(
                conversation=_conversation(openid, now), channel=CHANNEL, direction=Direction.INBOUND,
                external_id=key, sender=openid, body=f"[事件] {event} {event_key}".strip(),
                payload={"type": "event", "event": event, "key": event_key},
                status=MessageStatus.RECEIVED, received_at=now, created_at=now,
            )
    except IntegrityError:
        return False  # WeChat's retry overtook the first delivery
    return True


def progress(openid: str) -> str:
    conversation = Conversation.objects.filter(channel=CHANNEL, address=openid, order__isnull=False).select_related(
        "order").order_by("-last_message_at").first()
    if conversation is None:
        return "您还没有通过本公众号提交过诉求。"
    order = conversation.order
    return f"工单 {order.number}（{order.title}）当前状态：{order.get_state_display()}。"


def _event(fields: dict, openid: str, create_time: str, config: WeChatConfig, now) -> str | None:
    event = _field(fields, "Event", re.compile(r"^[A-Za-z_]{1,32}$")).lower()
    event_key = fields.get("EventKey", "")[:128]
    _store_event(openid, create_time, event, event_key, now)
    if event == "subscribe":
        return config.welcome
    if event == "click":
        return progress(openid) if event_key == config.query_key else HELP
    return None  # unsubscribe (no reply is possible), VIEW, SCAN, LOCATION: nothing to say


def handle(fields: dict, config: WeChatConfig, now=None) -> Reply | None:
    """Handle one callback message; the passive reply, or None to answer "success"."""
    now = now or timezone.now()
    openid = _field(fields, "FromUserName", _OPENID)
    account = _field(fields, "ToUserName", _ACCOUNT)
    create_time = _field(fields, "CreateTime", re.compile(r"^\d{1,12}$"))
    msg_type = _field(fields, "MsgType", re.compile(r"^[a-z_]{1,32}$"))
    if msg_type == "event":
        content = _event(fields, openid, create_time, config, now)
    elif msg_type in ("text", "image", "location"):
        content = _request(fields, openid, create_time, msg_type, config, now)
    else:
        content = UNSUPPORTED
    return Reply(openid, account, content) if content else None
