"""A real SMTP server for tests: aiosmtpd's Controller with a handler that keeps what it accepts."""

import socket
from email import message_from_bytes, policy


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    """Keeps what the server accepted; refuses the addresses in `refuse` (550 at RCPT) and, while
    `busy` is set, every message (451 at DATA: try again later)."""

    def __init__(self):
        self.messages = []
        self.refuse = set()
        self.busy = 0  # how many more DATA commands to answer 451

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.busy:
            self.busy -= 1
            return "451 4.3.0 Try again later"
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 Message accepted for delivery"

    def to(self, address):
        return [message for recipients, message in self.messages if address in recipients]
