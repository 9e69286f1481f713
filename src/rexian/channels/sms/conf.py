"""SMS settings, read from ``settings.REXIAN_SMS`` (see docs/channels.md#sms)."""

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

DEFAULTS = {
    "WEBHOOK_SECRET": "",  # empty: the webhooks answer 503
    "MAX_SKEW_SECONDS": 300,
    "GATEWAY_URL": "",  # empty: no SMS is sent (answers wait in the outbox, then fail)
    "API_KEY": "",
    "API_KEY_HEADER": "X-API-Key",
    "SENDER": "12345",
    "TIMEOUT": 10,
    "IDEMPOTENCY_PREFIX": "rexian-",
}


@dataclass(frozen=True)
class SmsConfig:
    webhook_secret: str
    max_skew_seconds: int
    gateway_url: str
    api_key: str
    api_key_header: str
    sender: str
    timeout: int
    idempotency_prefix: str


def sms_config() -> SmsConfig:
    raw = {**DEFAULTS, **getattr(settings, "REXIAN_SMS", {})}
    return SmsConfig(
        webhook_secret=raw["WEBHOOK_SECRET"],
        max_skew_seconds=int(raw["MAX_SKEW_SECONDS"]),
        gateway_url=raw["GATEWAY_URL"],
        api_key=raw["API_KEY"],
        api_key_header=raw["API_KEY_HEADER"],
        sender=raw["SENDER"],
        timeout=int(raw["TIMEOUT"]),
        idempotency_prefix=raw["IDEMPOTENCY_PREFIX"],
    )


def problems(config: SmsConfig) -> list[str]:
    found = []
    if config.gateway_url and urlsplit(config.gateway_url).scheme not in ("http", "https"):
        found.append(f"REXIAN_SMS_GATEWAY_URL={config.gateway_url!r}: use an http:// or https:// URL.")
    if config.gateway_url and not config.api_key:
        found.append("REXIAN_SMS_GATEWAY_URL is set but REXIAN_SMS_API_KEY is empty.")
    if config.webhook_secret and len(config.webhook_secret) < 16:
        found.append("REXIAN_SMS_WEBHOOK_SECRET is shorter than 16 characters: use a long random secret.")
    return found
