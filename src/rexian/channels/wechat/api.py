"""Answers to WeChat users through the customer-service message API (客服消息).

`POST {api_base}/cgi-bin/message/custom/send?access_token=…` with
`{"touser", "msgtype": "text", "text": {"content"}}`. The access token comes
from `{api_base}/cgi-bin/token` and is cached (per process, per app id) until
five minutes before it expires; WeChat keeps the previous token valid for
five minutes after a new one is issued, so two worker processes refreshing
independently do not lock each other out.

errcode 0 is success. 40001 / 40014 / 42001 (token invalid or expired):
fetch a new token and try once more. -1 (system busy), 45009 and 45011 (rate
limits) are retried with the outbox's backoff; every other errcode is
permanent (e.g. 45015: more than 48 hours since the user last wrote, when
WeChat allows no more customer-service messages; 43004: the user
unsubscribed; 40003: not an openid of this account). Failures to get a token
are retried: they are our configuration (secret, IP allow-list), which
someone can fix while the messages wait.

WeChat has no idempotency key for these messages: a crash between WeChat's
"ok" and the outbox recording it can send one answer twice.

`get_media` fetches a picture a citizen sent (临时素材, `GET
{api_base}/cgi-bin/media/get?access_token=…&media_id=…`) with the same token,
the same errcode rules and the same refusal to follow redirects.
"""

import json
import logging
import threading
import time
import urllib.error
import urllib.request
from typing import Callable
from urllib.parse import urlencode

from rexian.channels.models import Message
from rexian.channels.outbox import GatewayError
from rexian.channels.wechat.conf import WeChatConfig, wechat_config
from rexian.channels.wechat.service import mask_openid

log = logging.getLogger("rexian.channels.wechat")

TOKEN_ERRORS = {40001, 40014, 42001}
RETRY_ERRORS = {-1, 45009, 45011}
MAX_CONTENT = 2000  # characters; WeChat cuts longer text messages
MAX_RESPONSE = 64 * 1024

_tokens: dict[tuple[str, str], tuple[str, float]] = {}
_lock = threading.Lock()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # a redirect would carry the access token to another host


_opener = urllib.request.build_opener(_NoRedirect)


def _fetch(request: urllib.request.Request, timeout: int, limit: int) -> bytes:
    """At most limit bytes of the body; transport failures raise a retryable GatewayError."""
    try:
        with _opener.open(request, timeout=timeout) as response:
            return response.read(limit)
    except urllib.error.HTTPError as error:
        raise GatewayError(f"WeChat API HTTP {error.code}", permanent=400 <= error.code < 500) from None
    except OSError as error:  # URLError, timeouts, refused connections
        raise GatewayError(f"WeChat API unreachable: {type(getattr(error, 'reason', error)).__name__}") from None


def _json(body: bytes) -> dict:
    try:
        answer = json.loads(body)
    except ValueError:
        raise GatewayError("WeChat API answered with invalid JSON") from None
    if not isinstance(answer, dict):
        raise GatewayError("WeChat API answered with unexpected JSON")
    return answer


def _call(url: str, timeout: int, payload: dict | None = None) -> dict:
    """GET (or POST JSON) and return WeChat's JSON answer; transport failures raise a retryable GatewayError."""
    data = None
    headers = {}
    if payload is not None:
        # ensure_ascii=False: WeChat shows \\uXXXX escapes literally instead of decoding them.
        data = json.dumps(payload, ensure_ascii=False).encode()
        headers["Content-Type"] = "application/json; charset=utf-8"
    request = urllib.request.Request(url, data=data, headers=headers, method="POST" if data else "GET")
    return _json(_fetch(request, timeout, MAX_RESPONSE))


def _errcode(answer: dict) -> int:
    try:
        return int(answer.get("errcode", 0))
    except (TypeError, ValueError):
        raise GatewayError("WeChat API answered without a usable errcode") from None


class WeChatApi:
    """The outbox's sender for the WeChat channel."""

    def __init__(self, config: WeChatConfig | None = None):
        self.config = config or wechat_config()

    @property
    def _key(self) -> tuple[str, str]:
        return (self.config.api_base, self.config.app_id)

    def access_token(self, refresh: bool = False) -> str:
        with _lock:
            cached = _tokens.get(self._key)
            if cached and not refresh and cached[1] > time.monotonic():
                return cached[0]
            query = urlencode(
                {"grant_type": "client_credential", "appid": self.config.app_id, "secret": self.config.app_secret}
            )
            answer = _call(f"{self.config.api_base}/cgi-bin/token?{query}", self.config.timeout)
            token = answer.get("access_token")
            if not token or not isinstance(token, str):
                # errmsg names the problem (invalid appsecret, IP not allow-listed); never the secret.
                raise GatewayError(f"WeChat token refused: errcode {answer.get('errcode')} {answer.get('errmsg', '')}"[:300])
            expires_in = int(answer.get("expires_in") or 7200)
            _tokens[self._key] = (token, time.monotonic() + max(expires_in - 300, 60))
            return token

    def _with_token(self, call: Callable[[str], dict | bytes]) -> dict | bytes:
        """call(token) and WeChat's answer; a token WeChat calls invalid or expired is refreshed once.

        A JSON answer with a non-zero errcode raises: retryable for -1 and the
        rate limits (and a fresh token rejected again), permanent otherwise.
        """
        answer = call(self.access_token())
        if isinstance(answer, dict) and _errcode(answer) in TOKEN_ERRORS:
            answer = call(self.access_token(refresh=True))
            if isinstance(answer, dict) and _errcode(answer) in TOKEN_ERRORS:
                raise GatewayError(f"WeChat rejected a fresh access token (errcode {_errcode(answer)})")
        if isinstance(answer, dict) and (errcode := _errcode(answer)):
            errmsg = str(answer.get("errmsg", ""))[:200]
            raise GatewayError(f"WeChat errcode {errcode}: {errmsg}", permanent=errcode not in RETRY_ERRORS)
        return answer

    def _url(self, path: str, token: str, **params) -> str:
        return f"{self.config.api_base}{path}?{urlencode({'access_token': token, **params})}"

    def send_text(self, openid: str, content: str) -> None:
        payload = {"touser": openid, "msgtype": "text", "text": {"content": content}}
        self._with_token(lambda token: _call(self._url("/cgi-bin/message/custom/send", token), self.config.timeout, payload))

    def get_media(self, media_id: str, limit: int) -> bytes:
        """A temporary medium (临时素材) by its MediaId: at most limit + 1 bytes (so an oversized one shows),
        or GatewayError for an errcode answer. The declared Content-Type is not returned: the bytes decide."""

        def once(token: str) -> dict | bytes:
            request = urllib.request.Request(self._url("/cgi-bin/media/get", token, media_id=media_id))
            body = _fetch(request, self.config.timeout, limit + 1)
            # Errors come as JSON (WeChat labels them text/plain); no image starts with "{".
            return _json(body) if body[:64].lstrip()[:1] == b"{" else body

        return self._with_token(once)

    def __call__(self, message: Message) -> str:
        self.send_text(message.recipient, message.body[:MAX_CONTENT])
        log.info("WeChat answer %s sent to %s", message.pk, mask_openid(message.recipient))
        return ""  # the API returns no message id
