"""Sending SMS: a small interface, and its implementation for an HTTP/JSON provider.

`SmsGateway.send(to, text, reference)` returns the provider's message id or
raises `GatewayError`. `HttpSmsGateway` POSTs JSON to the configured URL with
the API key in a header and `Idempotency-Key: <prefix><our message id>`, so a
retry after a lost answer is recognised by the provider and not sent twice.
Errors: 4xx means the request itself is wrong (permanent), except 408 and
429 (retry); 5xx, timeouts and connection failures are retried with backoff.
Redirects are not followed: a provider URL that redirects is a configuration
error, and following it would resend the body to another host.
"""

import json
import logging
import urllib.error
import urllib.request
from typing import Protocol

from rexian.channels.models import Message
from rexian.channels.outbox import GatewayError
from rexian.channels.sms.conf import SmsConfig, sms_config
from rexian.core.masking import mask_phone

log = logging.getLogger("rexian.channels.sms")

RETRYABLE_4XX = {408, 425, 429}
MAX_RESPONSE = 64 * 1024


class SmsGateway(Protocol):
    def send(self, to: str, text: str, reference: str) -> str: ...


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # urllib then raises HTTPError with the 3xx code


_opener = urllib.request.build_opener(_NoRedirect)


def post_json(url: str, payload: dict, headers: dict, timeout: int) -> dict:
    """POST JSON, return the JSON answer; GatewayError (permanent or not) on any failure."""
    data = json.dumps(payload, ensure_ascii=False).encode()
    request = urllib.request.Request(
        url, data=data, method="POST", headers={"Content-Type": "application/json; charset=utf-8", **headers}
    )
    try:
        with _opener.open(request, timeout=timeout) as response:
            body = response.read(MAX_RESPONSE)
    except urllib.error.HTTPError as error:
        code = error.code
        permanent = 300 <= code < 500 and code not in RETRYABLE_4XX
        raise GatewayError(f"HTTP {code} from the provider", permanent=permanent) from None
    except OSError as error:  # URLError, timeouts, refused connections
        reason = getattr(error, "reason", error)
        raise GatewayError(f"provider unreachable: {type(reason).__name__}") from None
    try:
        answer = json.loads(body or b"{}")
    except ValueError:
        raise GatewayError("provider answered with invalid JSON") from None
    return answer if isinstance(answer, dict) else {}


class HttpSmsGateway:
    """SmsGateway over HTTP/JSON; called by the outbox with a Message."""

    def __init__(self, config: SmsConfig | None = None):
        self.config = config or sms_config()

    def send(self, to: str, text: str, reference: str) -> str:
        config = self.config
        answer = post_json(
            config.gateway_url,
            {"to": to, "text": text, "sender": config.sender, "reference": reference},
            {config.api_key_header: config.api_key, "Idempotency-Key": reference},
            config.timeout,
        )
        provider_id = answer.get("id") or answer.get("message_id") or ""
        return str(provider_id)[:255]

    def __call__(self, message: Message) -> str:
        provider_id = self.send(message.recipient, message.body, f"{self.config.idempotency_prefix}{message.pk}")
        log.info("SMS %s sent to %s", message.pk, mask_phone(message.recipient))
        return provider_id
