"""A real SMTP peer for tests: an aiosmtpd handler that records what it accepts."""

from __future__ import annotations

import email
import email.policy
import socket


class Peer:
    """aiosmtpd handler: records accepted messages; `replies` maps a recipient to a queue of RCPT replies."""

    def __init__(self) -> None:
        self.replies: dict[str, list[str]] = {}
        self.messages: list[tuple[str, bytes]] = []  # (rcpt, raw)
        self.accepted = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        queue = self.replies.get(address)
        if queue:
            reply = queue.pop(0) if len(queue) > 1 else queue[0]
            if not reply.startswith("250"):
                return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        for rcpt in envelope.rcpt_tos:
            self.messages.append((rcpt, envelope.original_content))
        self.accepted += 1
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        """Parsed messages received for one address."""
        return [
            email.message_from_bytes(raw, policy=email.policy.default) for rcpt, raw in self.messages if rcpt == address
        ]


def free_port() -> int:
    """A currently free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
