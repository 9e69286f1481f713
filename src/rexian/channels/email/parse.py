"""Reading a citizen's mail: headers, text, attachments, threading ids, auto-replies and bounces.

Chinese mail arrives in every state of repair: RFC 2047 subjects in GB2312
that really hold GBK characters, raw 8-bit GBK headers, bodies without a
charset. Every decode therefore goes through `decode_bytes`, which maps the
GB family to GB18030 (their common superset) and falls back from the declared
charset to UTF-8, then GB18030, then replacement characters: a mail is never
refused for its encoding.
"""

import email
import email.header
import mimetypes
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.utils import getaddresses
from html.parser import HTMLParser

# The GB family is decoded as GB18030: mail labelled gb2312 routinely holds GBK characters.
_CHARSET_ALIASES = {
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030", "euc-cn": "gb18030",
    "gb_2312-80": "gb18030", "csgb2312": "gb18030", "ms936": "gb18030", "windows-936": "gb18030",
    "us-ascii": "utf-8", "ascii": "utf-8", "unknown-8bit": "", "x-unknown": "", "8bit": "",
}
_MSGID = re.compile(r"<[^<>\s]{1,900}>")
MAX_REFERENCES = 30


def _codec(charset: str | None) -> str:
    name = (charset or "").strip().strip('"').lower()
    return _CHARSET_ALIASES.get(name, name)


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    for candidate in (_codec(charset), "utf-8", "gb18030"):
        if not candidate:
            continue
        try:
            return data.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("utf-8", errors="replace")


def decode_header_text(value) -> str:
    """A header as text: RFC 2047 words decoded, raw 8-bit bytes read as UTF-8 or GB18030, unfolded."""
    if value is None:
        return ""
    text = str(value)
    if any("\udc80" <= char <= "\udcff" for char in text):
        # Raw 8-bit bytes in a header, carried by the parser as surrogate escapes.
        text = decode_bytes(text.encode("ascii", "surrogateescape"))
    text = re.sub(r"\r?\n[ \t]*", " ", text)
    out = []
    try:
        chunks = email.header.decode_header(text)
    except (ValueError, AssertionError):  # a broken encoded word: keep the header as it stands
        chunks = [(text, None)]
    for chunk, charset in chunks:
        if isinstance(chunk, str):
            out.append(chunk)
        elif charset is None:
            # Unencoded text between encoded words; decode_header turned it into raw-unicode-escape bytes.
            out.append(chunk.decode("raw-unicode-escape", errors="replace"))
        else:
            out.append(decode_bytes(chunk, charset))
    return " ".join("".join(out).split())


class _TextFromHtml(HTMLParser):
    BLOCKS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote", "pre"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "head", "title"):
            self._skip += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "head", "title"):
            self._skip = max(self._skip - 1, 0)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _TextFromHtml()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # noqa: BLE001 - HTMLParser is lenient; anything left is unreadable markup
        return re.sub(r"<[^>]*>", " ", html)
    return tidy("".join(parser.parts))


def tidy(text: str) -> str:
    lines = [" ".join(line.replace("\xa0", " ").split()) for line in text.replace("\r\n", "\n").split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# Where a reply's quote of the earlier mail starts (Chinese and English clients).
_QUOTE_START = re.compile(
    r"^(-{2,}\s*(原始邮件|Original Message|Forwarded message)\s*-{2,}|在.{0,80}写道[：:]\s*$|On .{0,200}wrote:\s*$"
    r"|发件人[：:]|From: .*@)",
    re.IGNORECASE,
)


def strip_quoted(text: str) -> str:
    """The new part of a reply: the quote of our earlier mail is already on the order."""
    kept = []
    for line in text.split("\n"):
        if _QUOTE_START.match(line.strip()):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line)
    new = tidy("\n".join(kept))
    return new or text


@dataclass
class ParsedAttachment:
    filename: str
    content_type: str
    data: bytes


@dataclass
class ParsedMail:
    message_id: str
    sender: str  # lower-cased address: personal data
    sender_name: str
    subject: str
    text: str
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    date: str = ""
    attachments: list[ParsedAttachment] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was not kept, in words for the agent
    automatic: str = ""  # why this is machine mail (auto-reply, bounce), or ""
    bounced_ids: list[str] = field(default_factory=list)  # our Message-IDs a delivery report says failed
    bounce_reason: str = ""

    @property
    def thread_ids(self) -> list[str]:
        return list(dict.fromkeys(self.in_reply_to + self.references))


def message_ids(value) -> list[str]:
    return _MSGID.findall(decode_header_text(value))


def _header(msg: EmailMessage, name: str) -> str:
    for key, value in msg.raw_items():
        if key.lower() == name.lower():
            return decode_header_text(value)
    return ""


def _part_text(part) -> str:
    payload = part.get_payload(decode=True) or b""
    return decode_bytes(payload, part.get_content_charset())


def _safe_filename(name: str, content_type: str, index: int) -> str:
    name = decode_header_text(name) if name else ""
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(char for char in name if char.isprintable() and char not in '<>:"|?*').strip().lstrip(".")
    if not name:
        name = f"附件{index}{mimetypes.guess_extension(content_type) or '.bin'}"
    if len(name) > 100:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 90] + dot + ext[:9]) if dot and len(ext) < 10 else name[:100]
    return name


def _is_attachment(part) -> bool:
    disposition = part.get_content_disposition()
    if disposition == "attachment":
        return True
    if part.get_content_maintype() in ("text", "multipart", "message"):
        return bool(part.get_filename()) and part.get_content_type() not in ("text/plain", "text/html")
    return True


def _size(count: int) -> str:
    return f"{count / 1024 / 1024:.1f} MB" if count >= 1024 * 1024 else f"{max(count // 1024, 1)} KB"


def _automatic(msg: EmailMessage, sender: str) -> str:
    auto = _header(msg, "Auto-Submitted").lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    precedence = _header(msg, "Precedence").lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"Precedence: {precedence}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"):
        if _header(msg, name):
            return name
    if msg.get_content_type() == "multipart/report":
        return "delivery report"
    local = sender.partition("@")[0]
    if local in ("mailer-daemon", "postmaster"):
        return "mailer daemon"
    return ""


def _bounce(msg: EmailMessage) -> tuple[list[str], str]:
    """Our Message-IDs that a delivery status notification (RFC 3464) reports as failed."""
    if msg.get_content_type() != "multipart/report":
        return [], ""
    status_text, original = "", []
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":
            status_text = "\n".join(str(block) for block in part.get_payload()) if part.is_multipart() else _part_text(part)
        elif ctype == "text/rfc822-headers":
            found = re.search(r"^Message-ID:(.*)$", _part_text(part), re.I | re.M)
            if found:
                original += message_ids(found.group(1))
        elif ctype == "message/rfc822" and part.is_multipart():
            inner = part.get_payload()[0]
            original += message_ids(inner.get("Message-ID", ""))
    if not re.search(r"^Action:\s*failed", status_text, re.I | re.M):
        return [], ""  # a delay notice: the mail may still arrive
    reason = re.search(r"^Diagnostic-Code:\s*(.+)$", status_text, re.I | re.M) or re.search(
        r"^Status:\s*(.+)$", status_text, re.I | re.M
    )
    return original, (reason.group(1).strip() if reason else "failed")


def parse(raw: bytes, max_attachments: int = 10, max_attachment_bytes: int = 10 * 1024 * 1024,
          headers_only: bool = False) -> ParsedMail:
    """Parse one mail. `headers_only`: `raw` is just the header of a mail too big to download."""
    msg = email.message_from_bytes(raw, policy=policy.default)
    name, address = "", ""
    from_header = _header(msg, "From")
    pairs = getaddresses([from_header])
    if pairs:
        name, address = pairs[0]
    address = address.strip().lower()
    message_id = (message_ids(_header(msg, "Message-ID")) or [""])[0]
    parsed = ParsedMail(
        message_id=message_id,
        sender=address,
        sender_name=name.strip()[:100],
        subject=_header(msg, "Subject")[:300],
        text="",
        in_reply_to=message_ids(_header(msg, "In-Reply-To"))[:MAX_REFERENCES],
        references=message_ids(_header(msg, "References"))[-MAX_REFERENCES:],
        date=_header(msg, "Date")[:100],
    )
    parsed.automatic = _automatic(msg, address)
    if parsed.automatic:
        parsed.bounced_ids, parsed.bounce_reason = _bounce(msg)
    if headers_only:
        return parsed
    plain = html = None
    attachments = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        if _is_attachment(part):
            attachments.append(part)
        elif part.get_content_type() == "text/plain" and plain is None:
            plain = _part_text(part)
        elif part.get_content_type() == "text/html" and html is None:
            html = _part_text(part)
    parsed.text = tidy(plain) if plain and plain.strip() else html_to_text(html or "")
    for index, part in enumerate(attachments, start=1):
        content_type = part.get_content_type()
        filename = _safe_filename(part.get_filename() or "", content_type, index)
        data = part.get_payload(decode=True) or b""
        if len(parsed.attachments) >= max_attachments:
            parsed.notes.append(f"附件“{filename}”未保存：每封邮件最多保存 {max_attachments} 个附件。")
        elif len(data) > max_attachment_bytes:
            parsed.notes.append(
                f"附件“{filename}”（{_size(len(data))}）未保存：超过单个附件 {_size(max_attachment_bytes)} 的上限。"
            )
        else:
            parsed.attachments.append(ParsedAttachment(filename, content_type[:100], data))
    return parsed
