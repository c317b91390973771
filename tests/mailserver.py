"""A real SMTP server (aiosmtpd) on a free loopback port, for tests and benches.

    with MailServer() as server:
        server.refuse("busy@example.cn", code=451, times=2)   # 4xx twice, then accepted
        server.refuse("gone@example.cn", code=550)            # 5xx every time
        with server.override_settings():                     # Django's SMTP backend points here
            send_mail(...)
        server.wait_for(1)
        server.messages[0].message["Subject"]

A process started by a test reaches it through ``server.environ()`` (``EMAIL_URL``). In the
suite, the ``mail_server`` fixture (tests/conftest.py) hands each test a cleared server with
Django's settings pointed at it.

The server runs in a thread of this process (aiosmtpd's ``Controller``); each accepted message
is kept with its envelope and the number of the SMTP connection that carried it, so a test can
see that a sender reused its connections. ``keep=False`` only counts messages (a bench sink).
"""

import asyncio
import email
import email.policy
import itertools
import logging
import threading
import time
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller
from django.test import override_settings

from kepuqingcheng.settings.environment import email_settings
from tests.servers import free_port

# aiosmtpd logs every command at INFO: a test's output would drown in it.
logging.getLogger("mail.log").setLevel(logging.WARNING)


@dataclass
class ReceivedMessage:
    sender: str
    recipients: list
    raw: bytes
    connection: int
    message: email.message.EmailMessage = field(repr=False)


@dataclass
class Rule:
    """Answer ``code text`` to ``recipient`` at ``stage`` (RCPT or DATA), ``times`` times
    (None: always)."""

    recipient: str
    code: int
    text: str
    stage: str = "rcpt"
    times: int | None = None
    used: int = 0

    def applies(self, recipients):
        if self.times is not None and self.used >= self.times:
            return False
        return self.recipient in recipients


class _Handler:
    def __init__(self, server):
        self.server = server

    def _rule(self, stage, recipients):
        lowered = {address.lower() for address in recipients}
        with self.server._lock:
            for rule in self.server.rules:
                if rule.stage == stage and rule.applies(lowered):
                    rule.used += 1
                    return f"{rule.code} {rule.text}"
        return None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        answer = self._rule("rcpt", [address])
        if answer:
            self.server.refused.append((address, answer))
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.server.delay:
            await asyncio.sleep(self.server.delay)
        answer = self._rule("data", envelope.rcpt_tos)
        if answer:
            self.server.refused.append((",".join(envelope.rcpt_tos), answer))
            return answer
        connection = getattr(session, "kepu_connection", None)
        if connection is None:
            connection = session.kepu_connection = next(self.server._connections)
        self.server._accept(envelope, connection)
        return "250 Message accepted for delivery"


class MailServer:
    host = "127.0.0.1"

    def __init__(self, keep=True):
        self.port = free_port()
        self.keep = keep
        self.rules = []
        self.messages = []
        self.refused = []
        self.accepted = 0
        self.delay = 0.0
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._connections = itertools.count(1)
        self._controller = Controller(
            _Handler(self), hostname=self.host, port=self.port, decode_data=False
        )

    # -- running --------------------------------------------------------------------------

    def start(self):
        self._controller.start()
        return self

    def stop(self):
        self._controller.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    # -- how to reach it ------------------------------------------------------------------

    @property
    def url(self):
        return f"smtp://{self.host}:{self.port}"

    def environ(self):
        """Environment variables for a process that should send here."""
        return {"EMAIL_URL": self.url}

    def settings(self):
        """Django settings for sending here (the same ones ``EMAIL_URL`` produces)."""
        return email_settings(self.url, "EMAIL_URL")

    def override_settings(self):
        return override_settings(**self.settings())

    # -- rules ------------------------------------------------------------------------------

    def refuse(self, recipient, code=550, text=None, times=None, stage="rcpt"):
        """Answer ``code`` for ``recipient``: a 4xx is a temporary failure, a 5xx a permanent
        one. ``times`` limits it to the first N attempts; ``stage="data"`` answers after the
        message was transferred instead of at RCPT TO."""
        if not (400 <= code < 600):
            raise ValueError("a refusal is a 4xx or 5xx code")
        if text is None:
            text = "4.3.0 Try again later" if code < 500 else "5.1.1 No such user here"
        with self._lock:
            self.rules.append(Rule(recipient.lower(), code, text, stage, times))

    def reset(self):
        """Forget rules, messages, refusals and the delay (between tests)."""
        with self._lock:
            self.rules.clear()
            self.messages.clear()
            self.refused.clear()
            self.accepted = 0
            self.delay = 0.0

    # -- what arrived -----------------------------------------------------------------------

    def _accept(self, envelope, connection):
        received = None
        if self.keep:
            raw = envelope.original_content
            received = ReceivedMessage(
                sender=envelope.mail_from,
                recipients=list(envelope.rcpt_tos),
                raw=raw,
                connection=connection,
                message=email.message_from_bytes(raw, policy=email.policy.default),
            )
        with self._arrived:
            self.accepted += 1
            if received is not None:
                self.messages.append(received)
            self._arrived.notify_all()

    def wait_for(self, count, timeout=10.0):
        """Block until at least ``count`` messages were accepted; return the kept ones."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while self.accepted < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"{self.accepted} message(s) arrived within {timeout}s, expected {count}"
                    )
                self._arrived.wait(remaining)
            return list(self.messages)

    def to(self, recipient):
        """The kept messages addressed to ``recipient``."""
        recipient = recipient.lower()
        with self._lock:
            return [
                message
                for message in self.messages
                if recipient in {address.lower() for address in message.recipients}
            ]
