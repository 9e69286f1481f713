"""The 公众号 callback URL: the GET handshake and signed POST messages (明文模式, 兼容模式 and 安全模式)."""

import logging
import re
import secrets
import time

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from rexian.channels.wechat import crypto, service, xml
from rexian.channels.wechat.conf import WeChatConfig, wechat_config
from rexian.channels.wechat.signature import problem, sign

log = logging.getLogger("rexian.channels.wechat")

_ECHOSTR = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
NO_AES_KEY = (
    "safe mode (安全模式) needs the EncodingAESKey: set REXIAN_WECHAT_ENCODING_AES_KEY, "
    "or set the account to plaintext mode (明文模式)"
)


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
    encrypt_type = request.GET.get("encrypt_type", "raw")
    if encrypt_type not in ("", "raw", "aes"):
        return _text("unsupported encrypt_type: use 明文模式, 兼容模式 or 安全模式", 501)
    if encrypt_type == "aes" and not config.safe_mode:
        return _no_aes(config)
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
    if encrypt_type == "aes" or "Encrypt" in fields:  # 兼容模式 carries both: only the encrypted copy is signed
        if not config.safe_mode:
            return _no_aes(config)
        return _encrypted(request, fields, config)
    return _answer(fields, config)


def _no_aes(config: WeChatConfig) -> HttpResponse:
    if config.misconfigured:  # `rexian manage check` names the problem (channels.E…)
        log.error("WeChat callback refused: REXIAN_WECHAT_ENCODING_AES_KEY is set but unusable")
        return _text("WeChat channel is misconfigured", 503)
    return _text(NO_AES_KEY, 501)


def _encrypted(request, fields: dict, config: WeChatConfig) -> HttpResponse:
    encrypted = fields.get("Encrypt", "")
    if not encrypted:
        return _text("<Encrypt> is required", 400)
    why = problem(
        config.token, request.GET.get("msg_signature"), request.GET.get("timestamp"), request.GET.get("nonce"),
        config.max_skew_seconds, encrypt=encrypted,
    )
    if why:
        log.warning("WeChat callback refused: %s", why)
        return _text(why, 403)
    try:
        inner = xml.parse(crypto.decrypt(encrypted, config.aes_key, config.app_id))
    except crypto.Undecryptable as error:
        log.warning("WeChat callback refused: encrypted message with %s", error)
        return _text("message cannot be decrypted", 400)  # one answer for every reason
    except xml.TooLarge:
        return _text("message too large", 413)
    except xml.BadXml as error:
        return _text(str(error), 400)
    return _answer(inner, config, encrypted=True)


def _answer(fields: dict, config: WeChatConfig, encrypted: bool = False) -> HttpResponse:
    try:
        reply = service.handle(fields, config)
    except service.Invalid as error:
        return _text(str(error), 400)
    if reply is None:
        return _text("success")  # WeChat accepts it unencrypted in every mode
    body = xml.text_reply(reply.to_user, reply.from_user, reply.content)
    if encrypted:
        timestamp, nonce = str(int(time.time())), str(secrets.randbelow(10**10))
        sealed = crypto.encrypt(body, config.aes_key, config.app_id)
        body = xml.encrypted_reply(sealed, sign(config.token, timestamp, nonce, sealed), timestamp, nonce)
    return HttpResponse(body, content_type="application/xml; charset=utf-8")
