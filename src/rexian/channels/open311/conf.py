"""Open311 settings, read from settings.REXIAN with documented defaults (docs/channels.md)."""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from rexian.channels.ratelimit import Limit
from rexian.orders.choices import OrderType


@dataclass(frozen=True)
class Open311Settings:
    jurisdiction: str  # the jurisdiction_id clients send, by the spec's habit the centre's domain
    contact: str  # discovery: how to reach the people running the endpoint
    key_service: str  # discovery: how to get an api_key
    endpoint_type: str  # discovery: production or test
    service_type: str  # realtime (POST answers service_request_id) or batch (POST answers a token)
    order_type: str  # the order type (诉求类型) of requests that arrive over Open311
    agency: str  # agency_responsible while no unit has the order
    publish_all_channels: bool  # GET requests lists every channel's orders, not only Open311's own
    posts_per_key: Limit


def _choice(config: dict, key: str, default: str, allowed: tuple) -> str:
    value = config.get(key, default)
    if value not in allowed:
        raise ImproperlyConfigured(f"REXIAN_{key}={value!r}: use one of {', '.join(allowed)}.")
    return value


def open311_settings() -> Open311Settings:
    config = getattr(settings, "REXIAN", {})
    service_type = _choice(config, "OPEN311_SERVICE_TYPE", "realtime", ("realtime", "batch"))
    endpoint_type = _choice(config, "OPEN311_ENDPOINT_TYPE", "production", ("production", "test"))
    order_type = _choice(config, "OPEN311_ORDER_TYPE", OrderType.HELP, tuple(OrderType.values))
    return Open311Settings(
        jurisdiction=config.get("OPEN311_JURISDICTION", "rexian.local"),
        contact=config.get("OPEN311_CONTACT", "12345 政务服务便民热线中心"),
        key_service=config.get("OPEN311_KEY_SERVICE", "请向 12345 热线中心申请 api_key"),
        endpoint_type=endpoint_type,
        service_type=service_type,
        order_type=order_type,
        agency=config.get("OPEN311_AGENCY", "12345 政务服务便民热线"),
        publish_all_channels=bool(config.get("OPEN311_PUBLISH_ALL_CHANNELS", False)),
        posts_per_key=Limit("open311-post-key", int(config.get("OPEN311_POSTS_PER_KEY_HOUR", 1000)), 3600),
    )
