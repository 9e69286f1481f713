"""Polling the hotline's IMAP mailbox: every new mail into the channel core, exactly once.

The order of steps is what makes a crash harmless:
1. fetch with BODY.PEEK (fetching does not set \\Seen);
2. import in one database transaction, keyed by the Message-ID (or
   `uid:UIDVALIDITY:UID` when there is none): the unique constraint turns a
   second import into a no-op;
3. only after the commit, set \\Seen (or move the mail to the processed folder).
A crash between 2 and 3 leaves the mail unseen: the next poll reads it again,
finds it stored and only marks it. A mail that fails to import stays unseen
and is tried again on the next poll.

The mailbox should be used by Rexian alone: in \\Seen mode, a mail a person
opens in a mail client before the poll is taken as handled. The processed-folder
mode does not have that weakness (everything still in the folder is new).
"""

import imaplib
import logging
import re
import ssl
from dataclasses import dataclass

from django.utils import timezone

from rexian.channels.email.conf import EmailConfig, email_config
from rexian.channels.email.importer import import_mail
from rexian.channels.email.parse import parse

log = logging.getLogger("rexian.channels.email")


class MailboxError(Exception):
    """The mailbox could not be reached or refused us (connection, TLS, login, folder)."""


@dataclass
class PollResult:
    found: int = 0
    imported: int = 0
    duplicates: int = 0
    skipped: int = 0
    failed: int = 0

    def summary(self) -> str:
        return (
            f"新邮件 {self.found} 封：导入 {self.imported}，重复 {self.duplicates}，"
            f"跳过（自动回复、退信）{self.skipped}，失败 {self.failed}。"
        )


def _quote(mailbox: str) -> str:
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'


def tls_context(config: EmailConfig) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=config.ca_file or None)


def connect(config: EmailConfig) -> imaplib.IMAP4:
    try:
        if config.imap_security == "ssl":
            conn = imaplib.IMAP4_SSL(
                config.imap_host, config.imap_port, ssl_context=tls_context(config), timeout=config.timeout
            )
        else:
            conn = imaplib.IMAP4(config.imap_host, config.imap_port, timeout=config.timeout)
            if config.imap_security == "starttls":
                conn.starttls(ssl_context=tls_context(config))
        conn.login(config.imap_user, config.imap_password)
    except (OSError, imaplib.IMAP4.error, ssl.SSLError) as error:
        # imaplib's messages name the server, never the password.
        raise MailboxError(f"IMAP {config.imap_host}:{config.imap_port}: {error}") from error
    return conn


def _check(result, what: str):
    typ, data = result
    if typ != "OK":
        raise MailboxError(f"IMAP {what}: {data!r}"[:300])
    return data


def _fetch(conn: imaplib.IMAP4, uid: bytes, item: str) -> bytes | None:
    data = _check(conn.uid("FETCH", uid, f"({item})"), "FETCH")
    for entry in data:
        if isinstance(entry, tuple):
            return entry[1]
    return None


def _size(conn: imaplib.IMAP4, uid: bytes) -> int | None:
    data = _check(conn.uid("FETCH", uid, "(RFC822.SIZE)"), "FETCH")
    for entry in data:
        line = entry[0] if isinstance(entry, tuple) else entry
        found = re.search(rb"RFC822\.SIZE (\d+)", line or b"")
        if found:
            return int(found.group(1))
    return None  # expunged meanwhile by someone else


def _mark_processed(conn: imaplib.IMAP4, uid: bytes, config: EmailConfig) -> None:
    if config.imap_processed_folder:
        _check(conn.uid("COPY", uid, _quote(config.imap_processed_folder)), "COPY")
        _check(conn.uid("STORE", uid, "+FLAGS.SILENT", r"(\Seen \Deleted)"), "STORE")
    else:
        _check(conn.uid("STORE", uid, "+FLAGS.SILENT", r"(\Seen)"), "STORE")


def _import_one(conn, uid: bytes, uidvalidity: str, config: EmailConfig, now) -> str:
    size = _size(conn, uid)
    if size is None:
        return "gone"
    oversized_note = ""
    if size > config.max_message_bytes:
        raw = _fetch(conn, uid, "BODY.PEEK[HEADER]")
        oversized_note = (
            f"邮件过大（{size / 1024 / 1024:.1f} MB，上限 {config.max_message_bytes / 1024 / 1024:.0f} MB），"
            "正文和附件未导入，请到邮箱中查看原件。"
        )
    else:
        raw = _fetch(conn, uid, "BODY.PEEK[]")
    if raw is None:
        return "gone"
    mail = parse(raw, config.max_attachments, config.max_attachment_bytes, headers_only=bool(oversized_note))
    key = f"uid:{uidvalidity}:{uid.decode()}"
    imap = {"folder": config.imap_folder, "uidvalidity": uidvalidity, "uid": uid.decode(), "size": size}
    return import_mail(
        mail, key, imap=imap, oversized_note=oversized_note, own_address=config.from_address, now=now
    ).outcome


def poll(config: EmailConfig | None = None, now=None) -> PollResult:
    """Import up to `POLL_BATCH` new mails. Raises MailboxError when the mailbox cannot be used at all."""
    config = config or email_config()
    result = PollResult()
    conn = connect(config)
    try:
        if config.imap_processed_folder:
            conn.create(_quote(config.imap_processed_folder))  # "already exists" is a NO we can ignore
        _check(conn.select(_quote(config.imap_folder)), f"SELECT {config.imap_folder}")
        uidvalidity = (conn.response("UIDVALIDITY")[1] or [b"0"])[0].decode()
        criteria = "UNDELETED" if config.imap_processed_folder else "UNSEEN UNDELETED"
        uids = _check(conn.uid("SEARCH", None, criteria), "SEARCH")[0].split()[: config.poll_batch]
        result.found = len(uids)
        for uid in uids:
            try:
                outcome = _import_one(conn, uid, uidvalidity, config, now or timezone.now())
            except (MailboxError, OSError, imaplib.IMAP4.error):
                raise  # the connection is gone: stop this poll, the mail stays unseen
            except Exception:  # noqa: BLE001 - one bad mail must not stop the others; it stays unseen
                log.exception("e-mail uid %s could not be imported; it stays unseen and is retried", uid.decode())
                result.failed += 1
                continue
            if outcome == "gone":
                continue
            # The import has committed: now, and only now, the mail is marked.
            _mark_processed(conn, uid, config)
            if outcome == "imported":
                result.imported += 1
            elif outcome == "duplicate":
                result.duplicates += 1
            else:
                result.skipped += 1
        if config.imap_processed_folder and uids:
            conn.expunge()
    except (OSError, imaplib.IMAP4.error) as error:
        raise MailboxError(f"IMAP {config.imap_host}: {error}") from error
    finally:
        try:
            conn.logout()
        except (OSError, imaplib.IMAP4.error):
            pass
    if result.found:
        log.info("e-mail poll: %s", result.summary())
    return result
