"""Fixtures for the mailgroup: a real aiosmtpd peer, a short server GNUPGHOME, member keys in their own homes."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from eenplan.config import Settings
from eenplan_crypto.testing import create_keys, make_home, remove_home

sys.path.insert(0, str(Path(__file__).parent))
from outbox_helpers import Peer, free_port  # noqa: E402

SECRET = "test-secret-key-that-is-long-enough-0123456789"
PEOPLE = ("Sanne de Vries", "Fatima El Amrani", "Youssef El Amrani", "Khadija El Amrani", "Joost Willems",
          "Inge Bakker")


@pytest.fixture
def smtp_peer():
    """(smtp URL, Peer) of a real aiosmtpd server on an explicit free port."""
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
def settings(tmp_path, database_url, smtp_peer, server_gnupg) -> Settings:
    """Settings with mail on: the aiosmtpd peer, the short keyring, an https public URL."""
    return Settings(data_dir=tmp_path / "var", database_url=database_url, secret_key=SECRET,
                    smtp_url=smtp_peer[0], gnupg_home=str(server_gnupg), public_url="https://plan.example.org",
                    mail_domain="eenplan.example", outbox_backoff_seconds=1)


@pytest.fixture(scope="session")
def person_keys():
    """A good key per demo betrokkene plus unusable ones, each in its own GNUPGHOME."""
    specs = {name: ("good", f"{name.split()[0]} <{name.split()[0].lower()}@example.org>") for name in PEOPLE}
    specs.update({"weak": ("weak_rsa2048", "Weak <weak@example.org>"),
                  "expired": ("expired", "Old <old@example.org>"),
                  "revoked": ("revoked", "Rev <rev@example.org>"),
                  "signonly": ("sign_only", "Signer <signer@example.org>"),
                  "soon": ("subkey_expiring", "Soon <soon@example.org>")})
    keys = create_keys(specs)
    yield keys
    for key in keys.values():
        key.cleanup()
