"""SmtpSender keeps a connection open for the next message (a fan-out's envelopes share connections), and a kept
connection the relay has closed meanwhile costs nothing: the message goes over a new one, exactly once."""

from __future__ import annotations

import asyncio
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from eenplan_mail.smtp import SmtpSender

from .conftest import free_port

FROM = "bounces@eenplan.example"


class Peers:
    """aiosmtpd handler recording (client port, recipient) of every accepted message."""

    def __init__(self) -> None:
        self.accepted: list[tuple[int, str]] = []

    async def handle_DATA(self, server, session, envelope):
        self.accepted.append((session.peer[1], envelope.rcpt_tos[0]))
        return "250 OK"


def _message(to: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = FROM, to, "Test"
    msg.set_content("body")
    return msg


def _relay(**smtp_parameters) -> tuple[Controller, Peers, str]:
    peers, port = Peers(), free_port()
    controller = Controller(peers, hostname="127.0.0.1", port=port, **smtp_parameters)
    controller.start()
    return controller, peers, f"smtp://127.0.0.1:{port}"


async def test_messages_in_a_row_share_one_connection():
    controller, peers, url = _relay()
    try:
        sender = SmtpSender(url)
        for n in range(3):
            await sender.send(_message(f"lid{n}@example.org"), FROM, f"lid{n}@example.org")
        assert [rcpt for _, rcpt in peers.accepted] == [f"lid{n}@example.org" for n in range(3)]
        assert len({port for port, _ in peers.accepted}) == 1
    finally:
        controller.stop()


async def test_a_connection_the_relay_closed_is_replaced_and_the_message_goes_once():
    controller, peers, url = _relay(timeout=0.2)  # the relay drops a connection idle for 0.2 s
    try:
        sender = SmtpSender(url)
        await sender.send(_message("a@example.org"), FROM, "a@example.org")
        await asyncio.sleep(1.0)  # the relay has closed the kept connection by now
        await sender.send(_message("b@example.org"), FROM, "b@example.org")
        assert [rcpt for _, rcpt in peers.accepted] == ["a@example.org", "b@example.org"]
        assert peers.accepted[0][0] != peers.accepted[1][0]
    finally:
        controller.stop()
