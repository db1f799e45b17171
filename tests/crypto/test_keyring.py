"""Sign+encrypt, detached signatures and decrypt+verify, checked against the real gpg CLI."""

from __future__ import annotations

import asyncio
import base64
import re
from datetime import UTC, datetime, timedelta

import pytest

from eenplan.domain.errors import PermanentFailure, ValidationFailed
from eenplan_crypto.errors import EncryptionFailed, VerificationFailed
from eenplan_crypto.keyring import Keyring
from eenplan_crypto.status import check_decrypt_verify
from eenplan_crypto.testing import gpg_status, make_home, remove_home, run_gpg

SERVER_EMAIL = "plan@eenplan.example"  # as in conftest.py
NOW = datetime.now(UTC)
PLAIN = "Plan versie 7 — doelen en acties\r\n".encode() * 20


def _subkey_ids(key) -> set[str]:
    out = key.gpg("--with-colons", "--list-keys", key.fingerprint).stdout.decode()
    return {line.split(":")[4] for line in out.splitlines() if line.startswith("sub:")}


async def test_signing_key_is_ed25519_and_idempotent(keyring, server_home, server_fpr):
    assert await keyring.ensure_signing_key(SERVER_EMAIL, "eenplan test") == server_fpr
    assert await Keyring(server_home).ensure_signing_key(SERVER_EMAIL, "other name") == server_fpr
    info = await keyring.key_info(server_fpr, NOW)
    assert (info.algorithm, info.encryption_algorithm, info.expires) == ("ed25519", "cv25519", None)
    with pytest.raises(ValidationFailed):
        await keyring.ensure_signing_key("plan@x.example\nPassphrase: x", "eenplan")


async def test_hidden_recipients_decrypt_with_gpg_cli(keyring, member_keys, pinned, server_fpr):
    armored = await keyring.sign_encrypt(PLAIN, [pinned["alice"], pinned["bob"]], server_fpr)
    assert armored.startswith(b"-----BEGIN PGP MESSAGE-----")
    packets = run_gpg(member_keys["alice"].home, "--list-packets", input=armored).stdout.decode()
    keyids = re.findall(r":pubkey enc packet: .*keyid ([0-9A-F]{16})", packets)
    assert keyids == ["0000000000000000", "0000000000000000"]
    for name in ("alice", "bob"):
        assert not _subkey_ids(member_keys[name]) & set(keyids)
        plaintext, status = member_keys[name].decrypt(armored)
        assert plaintext == PLAIN
        validsig = [value.split() for kw, value in status if kw == "VALIDSIG"]
        assert len(validsig) == 1 and validsig[0][9] == server_fpr
        assert ("GOODMDC", "") in status


async def test_visible_recipients_when_not_hidden(keyring, member_keys, pinned, server_fpr):
    armored = await keyring.sign_encrypt(PLAIN, [pinned["alice"]], server_fpr, hide_recipients=False)
    packets = run_gpg(member_keys["alice"].home, "--list-packets", input=armored).stdout.decode()
    keyids = set(re.findall(r":pubkey enc packet: .*keyid ([0-9A-F]{16})", packets))
    assert keyids and keyids <= _subkey_ids(member_keys["alice"])


async def test_unknown_or_malformed_recipient_fails_closed(keyring, server_fpr, pinned):
    with pytest.raises(EncryptionFailed, match="not found") as caught:
        await keyring.sign_encrypt(PLAIN, [pinned["alice"], "AB" * 20], server_fpr)
    assert isinstance(caught.value, PermanentFailure)
    with pytest.raises(ValidationFailed) as bad:
        await keyring.sign_encrypt(PLAIN, ["alice@example.org"], server_fpr)
    assert bad.value.problems[0].field == "recipients"


async def test_concurrent_calls_are_serialised(keyring, member_keys, pinned, server_fpr):
    bodies = [PLAIN + str(i).encode() for i in range(6)]
    results = await asyncio.gather(*(keyring.sign_encrypt(b, [pinned["alice"]], server_fpr) for b in bodies))
    assert len(set(results)) == 6
    assert member_keys["alice"].decrypt(results[5])[0] == bodies[5]


async def test_detached_signature_verifies_with_gpg(keyring, member_keys, pinned, server_fpr, tmp_path):
    data = b"Content-Type: text/plain\r\n\r\nhallo\r\n"
    signature, micalg = await keyring.sign_detached(data, server_fpr)
    assert micalg == "pgp-sha512" and signature.startswith(b"-----BEGIN PGP SIGNATURE-----")
    (tmp_path / "d").write_bytes(data)
    (tmp_path / "d.asc").write_bytes(signature)
    proc = member_keys["alice"].gpg("--status-fd", "2", "--verify", str(tmp_path / "d.asc"), str(tmp_path / "d"))
    validsig = [v.split() for kw, v in gpg_status(proc) if kw == "VALIDSIG"]
    assert proc.returncode == 0 and validsig[0][9] == server_fpr and validsig[0][7] == "10"


async def _from_alice(member_keys, server_fpr, *extra: str) -> bytes:
    proc = member_keys["alice"].gpg(
        "--trust-model", "always", "--armor", "--recipient", server_fpr, *extra, "--encrypt", input=PLAIN
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


async def test_decrypt_verify_requires_the_expected_signer(keyring, member_keys, pinned, server_fpr):
    alice = member_keys["alice"]
    signed = await _from_alice(member_keys, server_fpr, "--local-user", alice.fingerprint, "--sign")
    assert await keyring.decrypt_verify(signed, {pinned["alice"]}) == PLAIN
    with pytest.raises(VerificationFailed, match="not by an expected key"):
        await keyring.decrypt_verify(signed, {pinned["bob"]})
    unsigned = await _from_alice(member_keys, server_fpr)
    with pytest.raises(VerificationFailed, match="not signed"):
        await keyring.decrypt_verify(unsigned, {pinned["alice"]})
    with pytest.raises(VerificationFailed, match="exceeds 100 bytes"):
        await keyring.decrypt_verify(signed, {pinned["alice"]}, max_bytes=100)
    with pytest.raises(VerificationFailed, match="could not be decrypted"):
        await keyring.decrypt_verify(b"garbage", {pinned["alice"]})


async def test_decrypt_verify_refuses_missing_mdc(keyring, member_keys, pinned, server_fpr):
    alice = member_keys["alice"]
    no_mdc = await _from_alice(member_keys, server_fpr, "--rfc2440", "--local-user", alice.fingerprint, "--sign")
    with pytest.raises(VerificationFailed, match="integrity"):
        await keyring.decrypt_verify(no_mdc, {pinned["alice"]})


class _Fake:
    def __init__(self, lines: list[str]) -> None:
        self.stderr = "\n".join(f"[GNUPG:] {line}" for line in lines)
        self.data, self.returncode = b"x", 0


def test_signer_is_the_primary_fingerprint_not_the_subkey():
    primary, subkey = "A" * 40, "B" * 40
    validsig = f"VALIDSIG {subkey} 2026-01-01 1 0 4 0 22 10 00 {primary}"
    result = _Fake(
        ["DECRYPTION_INFO 2 9", "NEWSIG", f"GOODSIG {subkey[-16:]} X", validsig, "DECRYPTION_OKAY", "GOODMDC"]
    )
    assert check_decrypt_verify(result, {primary}) == (b"x", primary)
    with pytest.raises(VerificationFailed):
        check_decrypt_verify(result, {subkey})


async def test_autocrypt_keydata_and_export(keyring, server_fpr):
    raw = base64.b64decode(await keyring.autocrypt_keydata(server_fpr))
    home = make_home()
    try:
        proc = run_gpg(home, "--status-fd", "2", "--import", input=raw)
        assert any(kw == "IMPORT_OK" and server_fpr in v for kw, v in gpg_status(proc))
        assert b"PRIVATE" not in raw and "PRIVATE" not in await keyring.export_public(server_fpr)
    finally:
        remove_home(home)


async def test_expiring_within(keyring, pinned):
    assert not await keyring.expiring_within(pinned["alice"], 30, NOW)
    assert await keyring.expiring_within(pinned["alice"], 400, NOW)
    assert await keyring.expiring_within(pinned["bob"], 1, NOW + timedelta(days=800))
