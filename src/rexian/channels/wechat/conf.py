"""WeChat settings, read from ``settings.REXIAN_WECHAT`` (see docs/channels.md#wechat)."""

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings

from rexian.channels.wechat import crypto

DEFAULTS = {
    "TOKEN": "",  # the callback token set in the 公众号 console; empty: the callback answers 503
    "APP_ID": "",
    "APP_SECRET": "",  # with APP_ID: answers are sent through the customer-service message API
    "ENCODING_AES_KEY": "",  # the 公众号's EncodingAESKey; set: 安全模式 and 兼容模式 are accepted (needs APP_ID)
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
    app_secret: str = field(repr=False)
    api_base: str
    timeout: int
    max_skew_seconds: int
    query_key: str
    welcome: str
    encoding_aes_key: str = field(default="", repr=False)  # empty: plaintext mode only

    @property
    def sending(self) -> bool:
        return bool(self.app_id and self.app_secret)

    @property
    def aes_key(self) -> bytes:
        """The AES key, or b"" when none is set or it is malformed (`problems` says which)."""
        try:
            return crypto.aes_key(self.encoding_aes_key) if self.encoding_aes_key else b""
        except ValueError:
            return b""

    @property
    def safe_mode(self) -> bool:
        """Encrypted messages can be read: a well-formed key and the AppID they are checked against."""
        return bool(self.aes_key and self.app_id)

    @property
    def misconfigured(self) -> bool:
        """A key is set but cannot be used: encrypted messages get 503 until `problems` are fixed."""
        return bool(self.encoding_aes_key) and not self.safe_mode


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
        encoding_aes_key=raw["ENCODING_AES_KEY"].strip(),
    )


def problems(config: WeChatConfig) -> list[str]:
    found = []
    if urlsplit(config.api_base).scheme not in ("http", "https"):
        found.append(f"REXIAN_WECHAT_API_BASE={config.api_base!r}: use an https:// URL.")
    if bool(config.app_id) != bool(config.app_secret):
        found.append("REXIAN_WECHAT_APP_ID and REXIAN_WECHAT_APP_SECRET must be set together.")
    if config.token and not (3 <= len(config.token) <= 32 and config.token.isalnum()):
        found.append("REXIAN_WECHAT_TOKEN must be 3–32 letters or digits (WeChat's rule).")
    if config.encoding_aes_key:
        try:
            crypto.aes_key(config.encoding_aes_key)
        except ValueError as error:  # the message names what is wrong, never the value
            found.append(f"REXIAN_WECHAT_ENCODING_AES_KEY {error} (设置与开发 → 基本配置 → 服务器配置).")
        if not config.app_id:
            found.append(
                "REXIAN_WECHAT_ENCODING_AES_KEY needs REXIAN_WECHAT_APP_ID: encrypted messages carry the AppID, "
                "which Rexian checks."
            )
    return found
