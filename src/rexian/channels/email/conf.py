"""E-mail settings, read from ``settings.REXIAN_EMAIL`` (see docs/channels.md#e-mail).

Missing keys take the defaults below, so a test can override one key and an
installation without e-mail needs no settings at all: an empty IMAP host means
no polling, an empty SMTP host means no sending.
"""

from dataclasses import dataclass

from django.conf import settings

SECURITY_MODES = ("ssl", "starttls", "none")

DEFAULTS = {
    "IMAP_HOST": "",
    "IMAP_PORT": 993,
    "IMAP_SECURITY": "ssl",
    "IMAP_USER": "",
    "IMAP_PASSWORD": "",
    "IMAP_FOLDER": "INBOX",
    "IMAP_PROCESSED_FOLDER": "",  # empty: mark imported mail \Seen and leave it where it is
    "SMTP_HOST": "",
    "SMTP_PORT": 465,
    "SMTP_SECURITY": "ssl",
    "SMTP_USER": "",
    "SMTP_PASSWORD": "",
    "FROM_ADDRESS": "",
    "FROM_NAME": "12345政务服务便民热线",
    "CA_FILE": "",  # empty: the system's trusted CAs
    "TIMEOUT": 30,
    "POLL_BATCH": 50,
    "MAX_MESSAGE_KB": 25 * 1024,
    "MAX_ATTACHMENTS": 10,
    "MAX_ATTACHMENT_KB": 10 * 1024,
}


@dataclass(frozen=True)
class EmailConfig:
    imap_host: str
    imap_port: int
    imap_security: str
    imap_user: str
    imap_password: str
    imap_folder: str
    imap_processed_folder: str
    smtp_host: str
    smtp_port: int
    smtp_security: str
    smtp_user: str
    smtp_password: str
    from_address: str
    from_name: str
    ca_file: str
    timeout: int
    poll_batch: int
    max_message_bytes: int
    max_attachments: int
    max_attachment_bytes: int

    @property
    def polling(self) -> bool:
        return bool(self.imap_host)

    @property
    def sending(self) -> bool:
        return bool(self.smtp_host and self.from_address)

    @property
    def domain(self) -> str:
        """The right-hand side of our Message-IDs: the domain we send from."""
        return self.from_address.rpartition("@")[2] or "rexian.invalid"


def email_config() -> EmailConfig:
    raw = {**DEFAULTS, **getattr(settings, "REXIAN_EMAIL", {})}
    return EmailConfig(
        imap_host=raw["IMAP_HOST"],
        imap_port=int(raw["IMAP_PORT"]),
        imap_security=raw["IMAP_SECURITY"],
        imap_user=raw["IMAP_USER"],
        imap_password=raw["IMAP_PASSWORD"],
        imap_folder=raw["IMAP_FOLDER"],
        imap_processed_folder=raw["IMAP_PROCESSED_FOLDER"],
        smtp_host=raw["SMTP_HOST"],
        smtp_port=int(raw["SMTP_PORT"]),
        smtp_security=raw["SMTP_SECURITY"],
        smtp_user=raw["SMTP_USER"],
        smtp_password=raw["SMTP_PASSWORD"],
        from_address=raw["FROM_ADDRESS"],
        from_name=raw["FROM_NAME"],
        ca_file=raw["CA_FILE"],
        timeout=int(raw["TIMEOUT"]),
        poll_batch=int(raw["POLL_BATCH"]),
        max_message_bytes=int(raw["MAX_MESSAGE_KB"]) * 1024,
        max_attachments=int(raw["MAX_ATTACHMENTS"]),
        max_attachment_bytes=int(raw["MAX_ATTACHMENT_KB"]) * 1024,
    )


def problems(config: EmailConfig) -> list[str]:
    """Configuration mistakes, for the system check and for `rexian channels poll-email`."""
    found = []
    for name, value in (("IMAP_SECURITY", config.imap_security), ("SMTP_SECURITY", config.smtp_security)):
        if value not in SECURITY_MODES:
            found.append(f"REXIAN_EMAIL_{name}={value!r}: use one of {', '.join(SECURITY_MODES)}.")
    if config.imap_host and not (config.imap_user and config.imap_password):
        found.append("REXIAN_EMAIL_IMAP_HOST is set but REXIAN_EMAIL_IMAP_USER or REXIAN_EMAIL_IMAP_PASSWORD is empty.")
    if config.smtp_host and not config.from_address:
        found.append("REXIAN_EMAIL_SMTP_HOST is set but REXIAN_EMAIL_FROM_ADDRESS is empty.")
    if config.imap_host and not config.smtp_host:
        found.append("REXIAN_EMAIL_IMAP_HOST is set but REXIAN_EMAIL_SMTP_HOST is empty: mail is read but never answered.")
    return found
