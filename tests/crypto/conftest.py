"""Fixtures for the crypto adapter: member keys made with the gpg CLI, and a server keyring."""

from __future__ import annotations

import pytest

from eenplan_crypto.keyring import Keyring
from eenplan_crypto.testing import create_keys, make_home, remove_home

SERVER_EMAIL = "plan@eenplan.example"


@pytest.fixture(scope="session")
def member_keys():
    """One key per recipe, each in its own GNUPGHOME (generated in parallel, once per session)."""
    keys = create_keys(
        {
            "alice": ("good", "Alice <alice@example.org>"),
            "bob": ("subkey_expiring", "Bob <bob@example.org>"),
            "carol": ("rsa3072", "Carol <carol@example.org>"),
            "weak": ("weak_rsa2048", "Weak <weak@example.org>"),
            "expired": ("expired", "Old <old@example.org>"),
            "revoked": ("revoked", "Rev <rev@example.org>"),
            "signonly": ("sign_only", "Signer <signer@example.org>"),
        }
    )
    yield keys
    for key in keys.values():
        key.cleanup()


@pytest.fixture(scope="session")
def server_home():
    """The server's GNUPGHOME, shared by the session so the signing key is made once."""
    home = make_home()
    yield home
    remove_home(home)


@pytest.fixture
async def keyring(server_home):
    """A Keyring bound to this test's event loop, over the session's server home."""
    return Keyring(server_home)


@pytest.fixture
async def server_fpr(keyring) -> str:
    """The server signing key's fingerprint (generated on first use)."""
    return await keyring.ensure_signing_key(SERVER_EMAIL, "eenplan test")


@pytest.fixture
async def pinned(keyring, member_keys, server_fpr) -> dict[str, str]:
    """alice and bob imported into the server keyring; the server key imported into theirs."""
    public = await keyring.export_public(server_fpr)
    fprs = {}
    for name in ("alice", "bob"):
        fprs[name] = (await keyring.import_pinned(member_keys[name].armored_public)).fingerprint
        member_keys[name].gpg("--import", input=public.encode())
    return fprs
