"""Fixtures for the mailgroup: a real aiosmtpd peer, a short server GNUPGHOME, member keys in their own homes."""

from __future__ import annotations

import pytest

from eenplan.bootstrap import utc_now
from eenplan.config import Settings
from eenplan_crypto.testing import create_keys

PEOPLE = (
    "Sanne de Vries",
    "Fatima El Amrani",
    "Youssef El Amrani",
    "Khadija El Amrani",
    "Joost Willems",
    "Inge Bakker",
)


@pytest.fixture
def clock():
    """The real clock: the worker's retries and backoff run in real time here."""
    return utc_now


@pytest.fixture
def settings(mail_settings) -> Settings:
    """Mail on: the aiosmtpd peer and a short server keyring (tests/support/mail_fixtures.py)."""
    return mail_settings


@pytest.fixture(scope="session")
def person_keys():
    """A good key per demo betrokkene plus unusable ones, each in its own GNUPGHOME."""
    specs = {name: ("good", f"{name.split()[0]} <{name.split()[0].lower()}@example.org>") for name in PEOPLE}
    specs.update(
        {
            "weak": ("weak_rsa2048", "Weak <weak@example.org>"),
            "expired": ("expired", "Old <old@example.org>"),
            "revoked": ("revoked", "Rev <rev@example.org>"),
            "signonly": ("sign_only", "Signer <signer@example.org>"),
            "soon": ("subkey_expiring", "Soon <soon@example.org>"),
        }
    )
    keys = create_keys(specs)
    yield keys
    for key in keys.values():
        key.cleanup()
