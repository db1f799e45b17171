"""Fixtures for tests with mail on: a real aiosmtpd peer, a short server GNUPGHOME, and settings using both."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from eenplan.config import Settings
from eenplan.demo import DEMO_CODE
from eenplan.domain.mailgroup import group_address
from eenplan_crypto.testing import make_home, remove_home

from .demo_templates import _in_own_loop
from .smtp import Peer, free_port

SECRET = "test-secret-key-that-is-long-enough-0123456789"
#: the key-encryption key of test nodes (PostgreSQL refuses to start without one; issue 15)
KEK = "dGVzdC1rZXktZW5jcnlwdGlvbi1rZXktMzItYnl0ZXM="
MAIL_DOMAIN = "eenplan.example"


@pytest.fixture
def smtp_peer():
    """(smtp URL, Peer) of a real aiosmtpd server on an explicit free port (port=0 fails its readiness check)."""
    peer = Peer()
    port = free_port()
    controller = Controller(peer, hostname="127.0.0.1", port=port, data_size_limit=20_000_000)
    controller.start()
    yield f"smtp://127.0.0.1:{port}", peer
    controller.stop()


async def _demo_signing_key(home: Path) -> None:
    from eenplan_crypto.keyring import Keyring

    keyring = Keyring(home)
    try:  # the uid and name MailgroupService.signer asks for
        await keyring.ensure_signing_key(group_address(DEMO_CODE, MAIL_DOMAIN), f"eenplan {DEMO_CODE}")
    finally:
        await keyring.aclose()


@pytest.fixture(scope="session")
def server_gnupg_template():
    """A server GNUPGHOME holding the demo household's signing key, generated once per session."""
    home = make_home()
    _in_own_loop(_demo_signing_key(home))
    subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "all"], capture_output=True, timeout=30, check=False)
    yield home
    remove_home(home)


@pytest.fixture
def server_gnupg(server_gnupg_template):
    """A fresh short GNUPGHOME for the server keyring of one test: a copy of the session's, so the demo
    household's signing key exists (other households' keys are made on first use, as in production)."""
    home = make_home()
    shutil.copytree(
        server_gnupg_template, home, dirs_exist_ok=True, ignore=shutil.ignore_patterns("S.*", "*.lock", ".#lk*")
    )
    yield home
    remove_home(home)


@pytest.fixture
def mail_settings(tmp_path, database_url, smtp_peer, server_gnupg) -> Settings:
    """Settings with mail on: the aiosmtpd peer, the short keyring, an https public URL."""
    return Settings(
        data_dir=tmp_path / "var",
        database_url=database_url,
        secret_key=SECRET,
        key_encryption_key=KEK,
        smtp_url=smtp_peer[0],
        gnupg_home=str(server_gnupg),
        public_url="https://plan.example.org",
        mail_domain=MAIL_DOMAIN,
        outbox_backoff_seconds=1,
    )
