"""Fixtures for the mail adapter: a real aiosmtpd server on loopback and a real keyring."""

from __future__ import annotations

import socket

import pytest
from aiosmtpd.controller import Controller

from eenplan_crypto.keyring import Keyring
from eenplan_crypto.testing import create_keys, make_home, remove_home


class Recorder:
    """aiosmtpd handler: records accepted envelopes, or answers RCPT/DATA with a fixed reply."""

    def __init__(self, rcpt_reply: str | None = None, data_reply: str | None = None) -> None:
        self.rcpt_reply, self.data_reply = rcpt_reply, data_reply
        self.envelopes: list[tuple[str, list[str], bytes]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_reply:
            return self.data_reply
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted for delivery"


def free_port() -> int:
    """A currently free TCP port on 127.0.0.1 (aiosmtpd's readiness check fails with port 0)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtpd():
    """Factory: start an aiosmtpd Controller on 127.0.0.1 with a Recorder answering the given
    replies; returns (smtp:// URL, recorder)."""
    controllers: list[Controller] = []

    def start(rcpt_reply: str | None = None, data_reply: str | None = None) -> tuple[str, Recorder]:
        handler = Recorder(rcpt_reply, data_reply)
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port, data_size_limit=10_000_000)
        controller.start()
        controllers.append(controller)
        return f"smtp://127.0.0.1:{port}", handler

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture(scope="session")
def member_keys():
    """alice, a member with a good key in her own GNUPGHOME."""
    keys = create_keys({"alice": ("good", "Alice <alice@example.org>")})
    yield keys
    for key in keys.values():
        key.cleanup()


@pytest.fixture(scope="session")
def server_home():
    """The server GNUPGHOME for the mail tests."""
    home = make_home()
    yield home
    remove_home(home)


@pytest.fixture
async def engine(server_home, member_keys):
    """(keyring, server fingerprint, alice fingerprint): alice pinned, server key known to alice."""
    keyring = Keyring(server_home)
    server = await keyring.ensure_signing_key("plan@eenplan.example", "eenplan test")
    alice = (await keyring.import_pinned(member_keys["alice"].armored_public)).fingerprint
    member_keys["alice"].gpg("--import", input=(await keyring.export_public(server)).encode())
    return keyring, server, alice
