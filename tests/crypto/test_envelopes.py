"""One signed encryption, one message per recipient: each holds only its reader's session-key packet.

The cutting is checked against gpg itself (gpg --list-packets and gpg --decrypt in the members' own homes);
whatever cannot be cut safely is refused, never sent to the wrong person.
"""

from __future__ import annotations

import base64

import pytest

from eenplan_crypto.envelopes import armor, crc24, crc24_shift, dearmor, per_recipient, split
from eenplan_crypto.errors import EncryptionFailed
from eenplan_crypto.keyring import Keyring
from eenplan_crypto.testing import TestKey, make_home, remove_home, run_gpg

PLAIN = b"Content-Type: text/plain\r\n\r\nVERTROUWELIJK-9912\r\n"


def _key_ids(listing: str) -> list[str]:
    return [line.split("keyid ")[1].strip() for line in listing.splitlines() if "pubkey enc packet" in line]


async def test_each_recipient_gets_their_own_packet_and_reads_the_signed_message(
    keyring, pinned, member_keys, server_fpr
):
    each = await keyring.sign_encrypt_each(PLAIN, [pinned["alice"], pinned["bob"]], server_fpr)
    assert set(each) == {pinned["alice"], pinned["bob"]}
    for name in ("alice", "bob"):
        listing = member_keys[name].gpg("--list-packets", input=each[pinned[name]]).stdout.decode()
        [key_id] = _key_ids(listing)  # exactly one session-key packet, naming the reader's own subkey
        own = member_keys[name].gpg("--with-colons", "--list-keys", pinned[name]).stdout.decode()
        assert key_id in {line.split(":")[4] for line in own.splitlines() if line.startswith("sub:")}
        plaintext, status = member_keys[name].decrypt(each[pinned[name]])
        assert plaintext == PLAIN
        assert [v.split()[-1] for k, v in status if k == "VALIDSIG"] == [server_fpr]
    # alice's message does not open with bob's key
    other, _ = member_keys["bob"].decrypt(each[pinned["alice"]])
    assert not other


async def test_one_encryption_is_shared_by_all_recipients(keyring, pinned, server_fpr):
    each = await keyring.sign_encrypt_each(PLAIN, [pinned["alice"], pinned["bob"]], server_fpr)
    alice, bob = (split(dearmor(each[pinned[n]])) for n in ("alice", "bob"))
    assert alice[1] == bob[1]  # the same signed, encrypted data: one gpg pass for the view
    assert alice[0][0].key_id != bob[0][0].key_id


async def test_hidden_recipient_zeroes_only_the_key_id(keyring, pinned, member_keys, server_fpr):
    each = await keyring.sign_encrypt_each(PLAIN, [pinned["alice"]], server_fpr, hide_recipients=True)
    [packet], _data = split(dearmor(each[pinned["alice"]]))
    assert packet.key_id == "0" * 16
    plaintext, status = member_keys["alice"].decrypt(each[pinned["alice"]])
    assert plaintext == PLAIN and any(k == "DECRYPTION_OKAY" for k, _ in status)


async def test_a_key_re_imported_with_a_new_subkey_is_matched_again(keyring, server_fpr):
    home, past = make_home(), ["--faked-system-time", "20250101T000000!"]
    run_gpg(home, *past, "--quick-gen-key", "Dora <dora@example.org>", "ed25519", "sign,cert", "5y")
    fpr = run_gpg(home, "--with-colons", "--list-keys").stdout.decode().split("fpr:::::::::")[1].split(":")[0]
    run_gpg(home, *past, "--quick-add-key", fpr, "cv25519", "encr", "5y")
    dora = TestKey("dora", home, fpr, run_gpg(home, "--armor", "--export", fpr).stdout.decode())
    try:
        await keyring.import_pinned(dora.armored_public)
        assert dora.decrypt((await keyring.sign_encrypt_each(PLAIN, [fpr], server_fpr))[fpr])[0] == PLAIN
        dora.gpg("--quick-add-key", fpr, "cv25519", "encr", "2y")  # the newest subkey: gpg encrypts to it
        await keyring.import_pinned(dora.gpg("--armor", "--export", fpr).stdout.decode())
        each = await keyring.sign_encrypt_each(PLAIN, [fpr], server_fpr)
        [packet], _ = split(dearmor(each[fpr]))
        listing = dora.gpg("--with-colons", "--list-keys", fpr).stdout.decode()
        newest = [line.split(":")[4] for line in listing.splitlines() if line.startswith("sub:")][-1]
        assert packet.key_id == newest and dora.decrypt(each[fpr])[0] == PLAIN
    finally:
        dora.cleanup()


def _crc24_rfc4880(data: bytes) -> int:
    """The bitwise reference implementation of RFC 4880 §6.1."""
    crc = 0xB704CE
    for byte in data:
        crc ^= byte << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF


def test_the_checksum_is_rfc_4880s_and_a_shared_tail_is_not_read_again():
    data = bytes(range(256)) * 7 + b"tail"
    for size in (0, 1, 3, 100, len(data)):
        assert crc24(data[:size]) == _crc24_rfc4880(data[:size])
    head, tail = data[:97], data[97:]
    assert crc24(head + tail) == crc24(tail, 0) ^ crc24_shift(crc24(head), len(tail))


def test_a_message_whose_armor_has_no_checksum_is_cut_with_correct_ones():
    ids = {"A" * 40: frozenset({"AA" * 8}), "B" * 40: frozenset({"BB" * 8})}
    full = armor(_pkesk(b"\xaa" * 8) + _pkesk(b"\xbb" * 8) + _data())
    without = b"\n".join(line for line in full.splitlines() if not line.startswith(b"="))
    for message in per_recipient(without, ids).values():
        assert dearmor(message)  # dearmor checks the stated checksum


def test_armor_round_trips_with_its_checksum():
    data = bytes(range(256)) * 3
    armored = armor(data)
    assert armored.startswith(b"-----BEGIN PGP MESSAGE-----\n\n") and dearmor(armored) == data
    assert crc24(b"") == 0xB704CE
    lines = armored.splitlines()
    assert lines[-2] == b"=" + base64.b64encode(crc24(data).to_bytes(3, "big"))
    broken = armored.replace(lines[-2], b"=AAAA")
    with pytest.raises(EncryptionFailed):
        dearmor(broken)


def _pkesk(key_id: bytes) -> bytes:
    body = bytes([3]) + key_id + bytes([18]) + b"\x01" * 20
    return bytes([0x84, len(body)]) + body  # old-format header, tag 1, one-octet length


def _data(tag: int = 18) -> bytes:
    body = b"\x01" + b"\x02" * 30
    return bytes([0xC0 | tag, len(body)]) + body  # new-format header


def test_cutting_refuses_what_it_cannot_hand_out_safely():
    a, b = b"\xaa" * 8, b"\xbb" * 8
    ids = {"A" * 40: frozenset({"AA" * 8}), "B" * 40: frozenset({"BB" * 8})}
    for tag in (18, 20):  # SEIPD, and GnuPG's OCB packet (written only for keys that ask for it)
        ok = per_recipient(armor(_pkesk(a) + _pkesk(b) + _data(tag)), ids)
        owners = {fpr: split(dearmor(m))[0][0].key_id for fpr, m in ok.items()}
        assert owners == {"A" * 40: "AA" * 8, "B" * 40: "BB" * 8}
        assert all(dearmor(m).endswith(_data(tag)) for m in ok.values())
    refused = {
        "a packet nobody owns": armor(_pkesk(a) + _pkesk(b"\xcc" * 8) + _data()),
        "a recipient left out": armor(_pkesk(a) + _data()),
        "hidden key ids": armor(_pkesk(bytes(8)) + _pkesk(bytes(8)) + _data()),
        "no integrity protection (SED)": armor(_pkesk(a) + _pkesk(b) + _data(9)),
        "trailing packets": armor(_pkesk(a) + _pkesk(b) + _data() + _data()),
        "not armored": _pkesk(a) + _pkesk(b) + _data(),
    }
    for what, message in refused.items():
        with pytest.raises(EncryptionFailed):
            per_recipient(message, ids)
            pytest.fail(f"accepted {what}")
    with pytest.raises(EncryptionFailed):  # one key id claimed by two recipients
        per_recipient(armor(_pkesk(a) + _data()), {"A" * 40: frozenset({"AA" * 8}), "C" * 40: frozenset({"AA" * 8})})


async def test_a_gpg_conf_that_throws_key_ids_does_not_stop_the_mail(member_keys):
    home = make_home()
    (home / "gpg.conf").write_text("throw-keyids\n")  # e.g. copied from an admin's own setup
    keyring = Keyring(home)
    try:
        signer = await keyring.ensure_signing_key("plan-x@eenplan.example", "eenplan x")
        alice = (await keyring.import_pinned(member_keys["alice"].armored_public)).fingerprint
        each = await keyring.sign_encrypt_each(PLAIN, [alice], signer)
        [packet], _ = split(dearmor(each[alice]))
        assert packet.key_id != "0" * 16 and member_keys["alice"].decrypt(each[alice])[0] == PLAIN
    finally:
        await keyring.aclose()
        remove_home(home)
