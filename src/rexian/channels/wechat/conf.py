"""WeChat settings, read from ``settings.REXIAN_WECHAT`` (see docs/channels.md#wechat)."""

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

DEFAULTS = {
    "TOKEN": "",  # the callback token set in the 公众号 console; empty: the callback answers 503
    "APP_ID": "",
    "APP_SECRET": "",  # with APP_ID: answers are sent through the customer-service message API
    "API_BASE": "https://api.weixin.qq.com",
    "TIMEOUT": 10,
    "MAX_SKEW_SECONDS": 300,
    "QUERY_KEY": "QUERY_PROGRESS",  # the EventKey of a menu button that asks for the latest order's state
    "WELCOME": "欢迎关注12345政务服务便民热线。请直接发送文字、图片或位置反映问题，我们将为您登记工单。",
}


@dataclass(frozen=True)
class WeChatConfig:
    token: str
    app_id: str
    app_secret: str
    api_base: str
    timeout: int
    max_skew_seconds: int
    query_key: str
    welcome: str

    @property
    def sending(self) -> bool:
        return bool(self.app_id and self.app_secret)


def wechat_config() -> WeChatConfig:
    raw = {**DEFAULTS, **getattr(settings, "REXIAN_WECHAT", {})}
    return WeChatConfig(
        token=raw["TOKEN"],
        app_id=raw["APP_ID"],
        app_secret=raw["APP_SECRET"],
        api_base=raw["API_BASE"].rstrip("/"),
        timeout=int(raw["TIMEOUT"]),
        max_skew_seconds=int(raw["MAX_SKEW_SECONDS"]),
        query_key=raw["QUERY_KEY"],
        welcome=raw["WELCOME"],
    )


def problems(config: WeChatConfig) -> list[str]:
    found = []
    if urlsplit(config.api_base).scheme not in ("http", "https"):
        found.append(f"REXIAN_WECHAT_API_BASE={config.api_base!r}: use an https:// URL.")
    if bool(config.app_id) != bool(config.app_secret):
        found.append("REXIAN_WECHAT_APP_ID and REXIAN_WECHAT_APP_SECRET must be set together.")
    if config.token and not (3 <= len(config.token) <= 32 and config.token.isalnum()):
        found.append("REXIAN_WECHAT_TOKEN must be 3–32 letters or digits (WeChat's rule).")
    return found
