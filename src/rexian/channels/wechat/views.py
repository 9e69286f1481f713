"""The 公众号 callback URL: the GET handshake and signed POST messages (plaintext mode)."""

import logging
import re

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from rexian.channels.wechat import service, xml
from rexian.channels.wechat.conf import wechat_config
from rexian.channels.wechat.signature import problem

log = logging.getLogger("rexian.channels.wechat")

_ECHOSTR = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


def _text(body: str, status: int = 200) -> HttpResponse:
    return HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def callback(request):
    config = wechat_config()
    if not config.token:
        return _text("WeChat channel is not configured", 503)
    why = problem(
        config.token, request.GET.get("signature"), request.GET.get("timestamp"), request.GET.get("nonce"),
        config.max_skew_seconds,
    )
    if why:
        log.warning("WeChat callback refused: %s", why)
        return _text(why, 403)
    if request.method == "GET":
        echostr = request.GET.get("echostr", "")
        if not _ECHOSTR.match(echostr):
            return _text("echostr missing or malformed", 400)
        return _text(echostr)
    if request.GET.get("encrypt_type", "raw") not in ("", "raw"):
        return _text("safe mode (AES) is not implemented: set the account to plaintext mode (明文模式)", 501)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _text("bad Content-Length", 400)
    if length > xml.MAX_BYTES:
        return _text("message too large", 413)
    try:
        fields = xml.parse(request.body)
    except xml.TooLarge:
        return _text("message too large", 413)
    except xml.BadXml as error:
        return _text(str(error), 400)
    if "Encrypt" in fields:
        return _text("safe mode (AES) is not implemented: set the account to plaintext mode (明文模式)", 501)
    try:
        reply = service.handle(fields, config)
    except service.Invalid as error:
        return _text(str(error), 400)
    if reply is None:
        return _text("success")
    return HttpResponse(
        xml.text_reply(reply.to_user, reply.from_user, reply.content), content_type="application/xml; charset=utf-8"
    )
