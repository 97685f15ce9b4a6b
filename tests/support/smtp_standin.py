"""A real SMTP server on localhost (aiosmtpd) for the tests and benchmarks of email.

It accepts every message, except for the addresses told to refuse: `refuse` answers 550 at
RCPT (a permanent failure: "no such user"), `defer` answers 451 (try again later).
`drop_after` closes the connection, once, at the first RCPT after that many messages were
accepted (the message is not accepted), like a server restarting mid-send. What it accepted
is kept in `received` (recipient, message).
"""

import socket
import threading
from collections import Counter
from email import message_from_bytes

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Handler:
    def __init__(self, keep_messages: bool = True):
        self.refuse: set[str] = set()
        self.defer: set[str] = set()
        self.drop_after: int | None = None
        self.keep_messages = keep_messages
        self.received: list[tuple[str, object]] = []
        self.count = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            drop = self.drop_after is not None and self.count >= self.drop_after
            if drop:
                self.drop_after = None
        if drop:
            server.transport.close()
            return "421 4.3.2 Service shutting down"
        if address.lower() in self.refuse:
            return "550 5.1.1 No such user here"
        if address.lower() in self.defer:
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            if self.keep_messages:
                parsed = message_from_bytes(envelope.original_content or envelope.content)
                for recipient in envelope.rcpt_tos:
                    self.received.append((recipient.lower(), parsed))
        return "250 Message accepted for delivery"

    def recipients(self) -> Counter:
        return Counter(recipient for recipient, _ in self.received)


class SMTPStandIn:
    """Start with `with SMTPStandIn() as smtp:`; `smtp.port`, `smtp.handler`."""

    def __init__(self, keep_messages: bool = True):
        self.handler = Handler(keep_messages)
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()
