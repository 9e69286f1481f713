"""WeChat's XML, read defensively and written with CDATA.

defusedxml is not available, so the guards are explicit: the body is capped
(64 KB; a real message is under 2 KB), must be UTF-8, and may not declare a
DOCTYPE or ENTITY, which rules out entity expansion ("billion laughs") and
external entities before the parser sees a byte. The standard library's expat
then only meets plain elements.
"""

import re
import time
import xml.etree.ElementTree as ET

MAX_BYTES = 64 * 1024
_DECLARATIONS = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_INVALID_XML_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class BadXml(ValueError):
    pass


class TooLarge(BadXml):
    pass


def parse(body: bytes) -> dict[str, str]:
    """The message's fields as {tag: text}; nested elements (rare) are skipped."""
    if len(body) > MAX_BYTES:
        raise TooLarge(f"XML larger than {MAX_BYTES} bytes")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadXml("XML is not UTF-8") from None
    if _DECLARATIONS.search(text):
        raise BadXml("DOCTYPE and ENTITY declarations are not allowed")
    try:
        root = ET.fromstring(body)
    except ET.ParseError as error:
        raise BadXml(f"malformed XML: {error}") from None
    if root.tag != "xml":
        raise BadXml("the root element must be <xml>")
    return {child.tag: (child.text or "").strip() for child in root if len(child) == 0}


def cdata(value: str) -> str:
    value = _INVALID_XML_CHARS.sub("", value)
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text_reply(to_user: str, from_user: str, content: str, now: float | None = None) -> str:
    """A passive reply: the answer to the callback request itself (WeChat shows it to the user)."""
    return (
        f"<xml><ToUserName>{cdata(to_user)}</ToUserName><FromUserName>{cdata(from_user)}</FromUserName>"
        f"<CreateTime>{int(now if now is not None else time.time())}</CreateTime><MsgType>{cdata('text')}</MsgType>"
        f"<Content>{cdata(content)}</Content></xml>"
    )


def encrypted_reply(encrypt: str, signature: str, timestamp: str, nonce: str) -> str:
    """The envelope of a passive reply in 安全模式 / 兼容模式 (the reply itself is inside Encrypt)."""
    return (
        f"<xml><Encrypt>{cdata(encrypt)}</Encrypt><MsgSignature>{cdata(signature)}</MsgSignature>"
        f"<TimeStamp>{int(timestamp)}</TimeStamp><Nonce>{cdata(nonce)}</Nonce></xml>"
    )
