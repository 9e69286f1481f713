"""Replies by SMTP, threaded into the citizen's mail.

SMTP has no idempotency key, so our Message-ID is derived from the outbound
message's primary key (with an HMAC token): if the worker crashes after the
server accepted a mail but before the outbox recorded it, the retry carries
the *same* Message-ID, and mail systems that de-duplicate by Message-ID show
it once. The token also makes our Message-IDs unguessable, which is what lets
`importer` trust a reply that names one.
"""

import hashlib
import hmac
import logging
import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

from django.conf import settings

from rexian.channels.email.conf import EmailConfig, email_config
from rexian.channels.email.importer import TAG, mask_email
from rexian.channels.models import Direction, Message
from rexian.channels.outbox import GatewayError

log = logging.getLogger("rexian.channels.email")

MAX_REFERENCES = 20


def message_id_for(message: Message, domain: str) -> str:
    token = hmac.new(settings.SECRET_KEY.encode(), f"email-out:{message.pk}".encode(), hashlib.sha256).hexdigest()[:20]
    return f"<rexian.{message.pk}.{token}@{domain}>"


def _parent(message: Message) -> Message | None:
    """The citizen's mail this one answers: the message it replies to, else their latest on the order."""
    parent = message.in_reply_to
    if parent is not None and parent.direction == Direction.INBOUND and parent.external_id.startswith("<"):
        return parent
    candidates = Message.objects.filter(
        conversation_id=message.conversation_id, direction=Direction.INBOUND, external_id__startswith="<"
    )
    if message.order_id:
        candidates = candidates.filter(order_id=message.order_id)
    return candidates.order_by("-received_at", "-id").first()


def subject_for(message: Message) -> str:
    subject = message.subject or (message.order.title if message.order_id else "") or "12345热线回复"
    if message.order_id and not TAG.search(subject):
        subject = f"[工单 {message.order.number}] {subject}"
    return " ".join(subject.split())


def build(message: Message, config: EmailConfig) -> EmailMessage:
    recipient = parseaddr(message.recipient)[1]
    if "@" not in recipient or any(char in message.recipient for char in "\r\n"):
        raise GatewayError("收件地址无效", permanent=True)
    mail = EmailMessage()
    mail["From"] = Address(display_name=config.from_name, addr_spec=config.from_address)
    mail["To"] = recipient
    mail["Subject"] = subject_for(message)
    mail["Date"] = formatdate(localtime=True)
    mail["Message-ID"] = message_id_for(message, config.domain)
    parent = _parent(message)
    if parent is not None:
        references = [ref for ref in parent.payload.get("references", []) if isinstance(ref, str)]
        mail["In-Reply-To"] = parent.external_id
        mail["References"] = " ".join([*references, parent.external_id][-MAX_REFERENCES:])
    if message.payload.get("kind") == "ack":
        # RFC 3834: an automatic answer; well-behaved auto-responders do not answer it (no mail loops).
        mail["Auto-Submitted"] = "auto-replied"
    mail.set_content(message.body, charset="utf-8", cte="base64")
    return mail


def _permanent(code: int) -> bool:
    return 500 <= code < 600


class SmtpGateway:
    """The outbox's sender for the e-mail channel."""

    def __init__(self, config: EmailConfig | None = None):
        self.config = config or email_config()

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        context = ssl.create_default_context(cafile=config.ca_file or None)
        if config.smtp_security == "ssl":
            smtp = smtplib.SMTP_SSL(config.smtp_host, config.smtp_port, timeout=config.timeout, context=context)
        else:
            smtp = smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=config.timeout)
            if config.smtp_security == "starttls":
                smtp.starttls(context=context)
        if config.smtp_user:
            smtp.login(config.smtp_user, config.smtp_password)
        return smtp

    def __call__(self, message: Message) -> str:
        mail = build(message, self.config)
        try:
            with self._connect() as smtp:
                smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as error:
            code = min((value[0] for value in error.recipients.values()), default=450)
            raise GatewayError(f"收件人被拒绝（SMTP {code}）", permanent=_permanent(code)) from error
        except smtplib.SMTPDataError as error:
            raise GatewayError(f"邮件被拒收（SMTP {error.smtp_code}）", permanent=_permanent(error.smtp_code)) from error
        except (smtplib.SMTPAuthenticationError, smtplib.SMTPSenderRefused) as error:
            # Our own configuration is wrong: keep retrying (with backoff) until someone fixes it.
            raise GatewayError(f"SMTP 登录或发件人被拒绝（{error.smtp_code}），请检查邮件配置") from error
        except smtplib.SMTPNotSupportedError as error:
            raise GatewayError(f"SMTP 服务器不支持此邮件：{error}", permanent=True) from error
        except (smtplib.SMTPException, OSError) as error:
            raise GatewayError(f"SMTP 暂时不可用：{type(error).__name__}") from error
        log.info("e-mail reply %s sent to %s", message.pk, mask_email(message.recipient))
        return mail["Message-ID"]
