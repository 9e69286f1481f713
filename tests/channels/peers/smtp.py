"""An SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it is sent, and can refuse on demand."""

import email
import logging
from email import policy

from aiosmtpd.controller import Controller

from tests.channels.peers.dovecot import free_port, started

# aiosmtpd logs every connection at INFO from its own thread, sometimes after pytest closed the test's log capture.
logging.getLogger("mail.log").setLevel(logging.WARNING)


class Capture:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes = []
        self.refuse_rcpt: str | None = None  # e.g. "550 5.1.1 no such user"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_rcpt:
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        self.messages.append(email.message_from_bytes(envelope.original_content or envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self, **options):
        """`options` go to aiosmtpd's Controller, e.g. tls_context= and require_starttls=True."""
        self.options = options
        self.handler = Capture()
        self.controller = started(self._start)

    def _start(self) -> Controller:
        self.port = free_port()
        controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **self.options)
        controller.start()
        return controller

    @property
    def messages(self):
        return self.handler.messages

    def stop(self):
        self.controller.stop()
