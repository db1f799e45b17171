"""inspect_public_key / import_pinned: the pinning policy on real gpg-made keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from eenplan.domain.errors import ValidationFailed
from eenplan_crypto.errors import UnusableKey
from eenplan_crypto.keyring import Keyring
from eenplan_crypto.keys import evaluate, parse_colons
from eenplan_crypto.testing import make_home, remove_home, run_gpg

NOW = datetime.now(UTC)


async def test_accepts_ed25519_cv25519(keyring, member_keys):
    alice = member_keys["alice"]
    info = await keyring.inspect_public_key(alice.armored_public, NOW)
    assert info.fingerprint == alice.fingerprint and len(info.fingerprint) == 40
    assert info.uids == ("Alice <alice@example.org>",)
    assert (info.algorithm, info.encryption_algorithm) == ("ed25519", "cv25519")
    assert info.expires is not None and timedelta(days=360) < info.expires - NOW < timedelta(days=370)


async def test_accepts_rsa3072(keyring, member_keys):
    info = await keyring.inspect_public_key(member_keys["carol"].armored_public, NOW)
    assert (info.algorithm, info.bits) == ("rsa3072", 3072)


@pytest.mark.parametrize(
    "name, problem",
    [
        ("weak", "RSA 2048 bits"),
        ("expired", "expired on 2020-01-02"),
        ("revoked", "revoked"),
        ("signonly", "no encryption (sub)key"),
    ],
)
async def test_rejects_unusable_keys(keyring, member_keys, name, problem):
    with pytest.raises(UnusableKey) as caught:
        await keyring.inspect_public_key(member_keys[name].armored_public, NOW)
    assert isinstance(caught.value, ValidationFailed)
    assert caught.value.problems[0].field == "armored"
    assert problem in caught.value.problems[0].problem


async def test_expiry_follows_the_encryption_subkey(keyring, member_keys):
    bob = member_keys["bob"]  # primary never expires, encryption subkey after one year
    info = await keyring.inspect_public_key(bob.armored_public, NOW)
    assert info.expires is not None and info.expires - NOW < timedelta(days=370)
    with pytest.raises(UnusableKey, match="every encryption subkey is expired"):
        await keyring.inspect_public_key(bob.armored_public, NOW + timedelta(days=800))


async def test_rejects_garbage_secret_and_multiple_keys(keyring, member_keys):
    alice, bob = member_keys["alice"], member_keys["bob"]
    for bad, problem in [
        ("not a key", "exactly one"),
        (alice.armored_public + bob.armored_public, "exactly one"),
        (alice.gpg("--armor", "--export-secret-keys", alice.fingerprint).stdout.decode(), "secret"),
    ]:
        with pytest.raises(UnusableKey, match=problem):
            await keyring.inspect_public_key(bad, NOW)
    home = make_home()  # one armor block holding two keys
    try:
        for key in (alice, bob):
            run_gpg(home, "--import", input=key.armored_public.encode())
        both = run_gpg(home, "--armor", "--export").stdout.decode()
    finally:
        remove_home(home)
    with pytest.raises(UnusableKey, match="contains 2 keys"):
        await keyring.inspect_public_key(both, NOW)


async def test_import_pinned_refuses_unusable_and_keeps_keyring_clean(keyring, member_keys, server_fpr):
    with pytest.raises(UnusableKey):
        await keyring.import_pinned(member_keys["revoked"].armored_public)
    listing = run_gpg(keyring.home, "--with-colons", "--list-keys").stdout.decode()
    assert member_keys["revoked"].fingerprint not in listing
    info = await keyring.import_pinned(member_keys["alice"].armored_public)
    assert info.fingerprint == member_keys["alice"].fingerprint
    assert (await keyring.key_info("0x" + info.fingerprint.lower(), NOW)).fingerprint == info.fingerprint


def test_home_path_must_be_short():
    with pytest.raises(ValidationFailed) as caught:
        Keyring("/tmp/" + "x" * 120)
    assert caught.value.problems[0].field == "gnupg_home"


def _listing(pub: str, subs: list[str]) -> str:
    lines = [pub, "fpr:::::::::" + "A" * 40 + ":", "uid:-::::1700000000::H::X <x@example.org>::::::::::0:"]
    return "\n".join(lines + subs)


@pytest.mark.parametrize(
    "pub, sub, problem",
    [
        ("pub:-:2048:17:K:1700000000:::-:::scSC::::::23::0:", "sub:-:2048:16:S:1700000000::::::e::::::23:", "DSA"),
        (
            "pub:-:255:22:K:1700000000:::-:::scESC:::::ed25519:::0:",
            "sub:-:2048:16:S:1700000000::::::e::::::23:",
            "encryption subkey uses ElGamal",
        ),
        (
            "pub:-:256:19:K:1700000000:::-:::scESC:::::nistp256:::0:",
            "sub:-:256:18:S:1700000000::::::e:::::nistp256::",
            "ECDSA (nistp256)",
        ),
    ],
)
def test_policy_rejects_dsa_elgamal_and_nist(pub, sub, problem):
    with pytest.raises(UnusableKey, match=problem.replace("(", r"\(").replace(")", r"\)")):
        evaluate(parse_colons(_listing(pub, [sub])), NOW)


def test_colon_uids_are_unescaped():
    text = _listing(
        "pub:-:255:22:K:1700000000:::-:::scESC:::::ed25519:::0:", ["sub:-:255:18:S:1700000000::::::e:::::cv25519::"]
    ).replace("X <", r"Team\x3a X <")
    assert evaluate(parse_colons(text), NOW).uids == ("Team: X <x@example.org>",)
