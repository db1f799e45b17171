"""Bounds on submitted keys, checked in pure Python before gpg spends its one lock (issue 10 item 7)."""

from __future__ import annotations

import base64
import os
from datetime import UTC, datetime

import pytest

from eenplan_crypto import keyring as keyring_module
from eenplan_crypto.errors import UnusableKey
from eenplan_crypto.packets import MAX_KEY_CHARS, MAX_USER_IDS, count_packets, dearmor, precheck
from eenplan_crypto.testing import create_key, make_home, remove_home, run_gpg

NOW = datetime.now(UTC)


def armor(data: bytes) -> str:
    """An ASCII-armored public key block around `data` (no checksum line, which RFC 9580 allows)."""
    text = base64.b64encode(data).decode()
    lines = [text[i : i + 64] for i in range(0, len(text), 64)]
    return "\n".join(["-----BEGIN PGP PUBLIC KEY BLOCK-----", "", *lines, "-----END PGP PUBLIC KEY BLOCK-----", ""])


def packets(data: bytes) -> list[bytes]:
    """The raw packets (header and body) of a binary key, split by their framing."""
    out, pos = [], 0
    while pos < len(data):
        first = data[pos]
        if first & 0x40:
            o1 = data[pos + 1]
            if o1 < 192:
                start, length = pos + 2, o1
            elif o1 < 224:
                start, length = pos + 3, ((o1 - 192) << 8) + data[pos + 2] + 192
            else:
                start, length = pos + 6, int.from_bytes(data[pos + 2 : pos + 6], "big")
        else:
            size = 1 << (first & 3)
            start, length = pos + 1 + size, int.from_bytes(data[pos + 1 : pos + 1 + size], "big")
        out.append(data[pos : start + length])
        pos = start + length
    return out


def _tag(packet: bytes) -> int:
    return packet[0] & 0x3F if packet[0] & 0x40 else (packet[0] >> 2) & 0x0F


@pytest.fixture(scope="module")
def many_uids():
    """A real gpg key with MAX_USER_IDS + 1 user ids (gpg --quick-add-uid in a loop)."""
    key = create_key("many", "good", "Many <many0@example.org>")
    for i in range(1, MAX_USER_IDS + 1):
        proc = key.gpg("--quick-add-uid", key.fingerprint, f"Many <many{i}@example.org>")
        assert proc.returncode == 0, proc.stderr
    key.armored_public = key.gpg("--armor", "--export", key.fingerprint).stdout.decode()
    yield key
    key.cleanup()


@pytest.fixture
def no_gpg(monkeypatch):
    """Fail the test if gpg would be started for the inspection."""

    def refuse(*_args, **_kwargs):
        raise AssertionError("gpg was started for a key the pre-check should have refused")

    monkeypatch.setattr(keyring_module.Keyring, "_run", refuse)


async def test_a_key_with_too_many_user_ids_is_refused_before_gpg(keyring, many_uids, no_gpg):
    with pytest.raises(UnusableKey, match=f"has {MAX_USER_IDS + 1} user ids") as caught:
        await keyring.inspect_public_key(many_uids.armored_public, NOW)
    assert caught.value.problems[0].field == "armored"


async def test_a_synthesised_key_with_1000_user_ids_is_refused_before_gpg(keyring, member_keys, no_gpg):
    alice = member_keys["alice"]
    binary = alice.gpg("--export", alice.fingerprint).stdout
    parts = packets(binary)
    uid_at = next(i for i, p in enumerate(parts) if _tag(p) == 13)
    uid_and_sig = parts[uid_at] + parts[uid_at + 1]
    bloated = b"".join(parts[:uid_at]) + uid_and_sig * 1000 + b"".join(parts[uid_at + 2 :])
    text = armor(bloated)
    with pytest.raises(UnusableKey):
        await keyring.inspect_public_key(text, NOW)
    small = b"".join(parts[:uid_at]) + uid_and_sig * 30 + b"".join(parts[uid_at + 2 :])
    assert len(armor(small)) <= MAX_KEY_CHARS
    with pytest.raises(UnusableKey, match="has 30 user ids"):
        await keyring.inspect_public_key(armor(small), NOW)


async def test_a_large_invalid_key_is_422_not_a_gpg_failure(keyring):
    junk = base64.b64encode(os.urandom(190_000)).decode()  # ~253 KB, like the tester's
    text = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n" + junk + "\n-----END PGP PUBLIC KEY BLOCK-----\n"
    assert len(text) > 250_000
    with pytest.raises(UnusableKey, match="at most"):
        await keyring.inspect_public_key(text, NOW)


async def test_framed_garbage_that_reaches_gpg_is_still_unusable(keyring):
    body = os.urandom(60_000)  # one public-key packet full of noise: framing fine, content nonsense
    packet = bytes([0xC6, 0xFF]) + len(body).to_bytes(4, "big") + body
    with pytest.raises(UnusableKey):
        await keyring.inspect_public_key(armor(packet), NOW)


async def test_ordinary_keys_pass_the_pre_check(keyring, member_keys):
    for name in ("alice", "carol"):
        counts = precheck(member_keys[name].armored_public)
        assert (counts.primary_keys, counts.user_ids, counts.subkeys) == (1, 1, 1)
        info = await keyring.inspect_public_key(member_keys[name].armored_public, NOW)
        assert info.fingerprint == member_keys[name].fingerprint


def test_a_key_with_exactly_the_allowed_user_ids_passes(many_uids):
    home = make_home()  # a copy of the public key, so the shared fixture stays at MAX_USER_IDS + 1
    try:
        run_gpg(home, "--import", input=many_uids.armored_public.encode())
        proc = run_gpg(
            home, "--command-fd", "0", "--edit-key", many_uids.fingerprint, input=b"uid 1\ndeluid\ny\nsave\n"
        )
        assert proc.returncode == 0, proc.stderr
        exported = run_gpg(home, "--armor", "--export", many_uids.fingerprint).stdout.decode()
    finally:
        remove_home(home)
    assert precheck(exported).user_ids == MAX_USER_IDS


@pytest.mark.parametrize(
    "text, problem",
    [
        ("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n!!!!\n-----END PGP PUBLIC KEY BLOCK-----", "bad base64"),
        ("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nxsA=\n", "must be one block"),
        ("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nkey\u00e9\n-----END PGP PUBLIC KEY BLOCK-----", "ASCII"),
        ("x" * (MAX_KEY_CHARS + 1), "at most"),
    ],
)
def test_dearmor_refuses_malformed_armor(text, problem):
    with pytest.raises(UnusableKey, match=problem):
        dearmor(text)


@pytest.mark.parametrize(
    "data, problem",
    [
        (b"\x00\x01", "bad packet header"),
        (bytes([0xC6, 0x10]) + b"short", "cut off"),
        (bytes([0xC6, 0xE1]) + b"x" * 4, "partial lengths"),
        (bytes([0x9B]) + b"x" * 4, "indeterminate"),
        (bytes([0xC5, 0x01, 0x00]), "secret key material"),
        (bytes([0xCD, 0x01, 0x41]), "contains 0 keys"),
    ],
)
def test_packet_walk_refuses_malformed_framing(data, problem):
    with pytest.raises(UnusableKey, match=problem):
        count_packets(data)


async def test_gpg_refusing_to_read_is_unusable_not_unavailable(keyring, monkeypatch):
    """Past the size bound (raised here) gpg stops reading a large invalid key: a broken pipe, not a 503."""
    from eenplan_crypto import packets as packets_module

    monkeypatch.setattr(packets_module, "MAX_KEY_CHARS", 1_000_000)
    body = os.urandom(400_000)
    packet = bytes([0xC6, 0xFF]) + len(body).to_bytes(4, "big") + body
    with pytest.raises(UnusableKey):
        await keyring.inspect_public_key(armor(packet), NOW)


async def test_a_key_with_hundreds_of_signatures_is_refused_before_gpg(keyring, member_keys, no_gpg):
    alice = member_keys["alice"]
    parts = packets(alice.gpg("--export", alice.fingerprint).stdout)
    uid_at = next(i for i, p in enumerate(parts) if _tag(p) == 13)
    signed = b"".join(parts[: uid_at + 1]) + parts[uid_at + 1] * 300 + b"".join(parts[uid_at + 2 :])
    assert len(armor(signed)) <= MAX_KEY_CHARS
    with pytest.raises(UnusableKey, match=r"more than 256 packets.*export-minimal"):
        await keyring.inspect_public_key(armor(signed), NOW)
