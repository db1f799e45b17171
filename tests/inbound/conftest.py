"""Inbound mail tests: the demo household with its signing key, the real LMTP receiver on a free port, and
an LMTP client speaking to it as Postfix's lmtp(8) delivery agent would."""

from __future__ import annotations

import asyncio
import dataclasses
import smtplib
from collections.abc import AsyncIterator

import pytest
from support.mail_fixtures import MAIL_DOMAIN

from eenplan.config import Settings
from eenplan.domain.inbound import MAX_MESSAGE_BYTES, MAX_RECIPIENTS
from eenplan_mail.lmtp import InboundReceiver


@pytest.fixture
def settings(settings: Settings, server_gnupg) -> Settings:
    """The demo household's signing key in the server keyring; no second factor (not what is tested here)."""
    return dataclasses.replace(settings, gnupg_home=str(server_gnupg), mail_domain=MAIL_DOMAIN, second_factor="off")


@pytest.fixture
async def receiver(services) -> AsyncIterator[InboundReceiver]:
    """The inbound receiver (LMTP) over the app's own inbound service."""
    listener = InboundReceiver(
        services.inbound.accepts,
        services.inbound.deliver,
        host="127.0.0.1",
        port=0,
        lmtp=True,
        max_bytes=MAX_MESSAGE_BYTES,
        max_recipients=MAX_RECIPIENTS,
    )
    await listener.start()
    yield listener
    await listener.stop()


def _lmtp(port: int, sender: str, recipients: list[str], raw: bytes) -> list[tuple[int, str]]:
    """One LMTP transaction; the replies to each RCPT, then to DATA (one line per accepted recipient)."""
    client = smtplib.LMTP("127.0.0.1", port)
    try:
        client.ehlo_or_helo_if_needed()
        replies: list[tuple[int, str]] = []
        code, msg = client.mail(sender)
        assert code == 250, msg
        accepted = 0
        for rcpt in recipients:
            code, msg = client.rcpt(rcpt)
            replies.append((code, msg.decode()))
            accepted += code == 250
        if accepted:
            client.putcmd("data")
            code, msg = client.getreply()
            assert code == 354, msg
            client.send(smtplib.quotedata(raw.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape"))
            client.send(b"\r\n.\r\n")
            for _ in range(accepted):
                code, msg = client.getreply()
                replies.append((code, msg.decode()))
        return replies
    finally:
        client.close()


@pytest.fixture
def lmtp(receiver):
    """Send one message over LMTP: `await lmtp(sender, [recipients], raw)` → the RCPT replies, then DATA's."""

    async def send(sender: str, recipients: list[str], raw: bytes | str) -> list[tuple[int, str]]:
        data = raw.encode() if isinstance(raw, str) else raw
        return await asyncio.to_thread(_lmtp, receiver.port, sender, recipients, data)

    return send
