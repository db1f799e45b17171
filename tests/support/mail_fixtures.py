"""Fixtures for tests with mail on: a real aiosmtpd peer, a short server GNUPGHOME, and settings using both."""

from __future__ import annotations

import pytest
from aiosmtpd.controller import Controller

from eenplan.config import Settings
from eenplan_crypto.testing import make_home, remove_home

from .smtp import Peer, free_port

SECRET = "test-secret-key-that-is-long-enough-0123456789"


@pytest.fixture
def smtp_peer():
    """(smtp URL, Peer) of a real aiosmtpd server on an explicit free port (port=0 fails its readiness check)."""
    peer = Peer()
    port = free_port()
    controller = Controller(peer, hostname="127.0.0.1", port=port, data_size_limit=20_000_000)
    controller.start()
    yield f"smtp://127.0.0.1:{port}", peer
    controller.stop()


@pytest.fixture
def server_gnupg():
    """A fresh short GNUPGHOME for the server keyring of one test."""
    home = make_home()
    yield home
    remove_home(home)


@pytest.fixture
def mail_settings(tmp_path, database_url, smtp_peer, server_gnupg) -> Settings:
    """Settings with mail on: the aiosmtpd peer, the short keyring, an https public URL."""
    return Settings(data_dir=tmp_path / "var", database_url=database_url, secret_key=SECRET,
                    smtp_url=smtp_peer[0], gnupg_home=str(server_gnupg), public_url="https://plan.example.org",
                    mail_domain="eenplan.example", outbox_backoff_seconds=1)
