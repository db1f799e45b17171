"""One OpenPGP message per recipient, cut from one signed encryption to all of them.

A view is signed and encrypted once for everyone who sees it (gpg's one pass: one signature, one
session key, one encrypted data packet). What differs per recipient is only the public-key
encrypted session key packet (PKESK, RFC 4880 §5.1) that opens the session key for them. This
module keeps, for each recipient, the encrypted data packet behind that recipient's PKESK alone, so
every message a recipient gets holds exactly one session-key packet: their own.

Why: a message with several session-key packets whose key ids are hidden (`--throw-keyids`) is read
by Thunderbird's RNP only when the reader's packet comes first, by Debian's `rnp` not at all, and
gpg exits 2 after trying all of them. With one packet carrying the reader's own key id every client
finds its key at once. The key id names nothing the To: header does not already name, and nobody
else's key, nor how many people got the view, is in the message any more. `hide=True` zeroes the key
id (a wildcard, RFC 4880 §5.1) for deployments that want it; Debian's `rnp` cannot read those.

Pure functions over bytes: no gpg, no I/O.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass

from .errors import EncryptionFailed

BEGIN = b"-----BEGIN PGP MESSAGE-----"
END = b"-----END PGP MESSAGE-----"
_PKESK, _SEIPD, _OCB = 1, 18, 20
#: integrity-protected encrypted data only: SEIPD v1 (with MDC), which every client reads, and GnuPG's OCB
#: packet, which gpg ≥ 2.3 writes only when every recipient's key says it reads it (gpg 2.2 never does);
#: never the unprotected SED (9)
_ACCEPTED_DATA = frozenset({_SEIPD, _OCB})
_WILDCARD = bytes(8)


@dataclass(frozen=True)
class SessionKeyPacket:
    """One PKESK as it stands in the message: the key id it names (hex, upper case) and its bytes."""

    key_id: str
    raw: bytes


def crc24(data: bytes) -> int:
    """The CRC-24 of RFC 4880 §6.1, for the armor's checksum line."""
    crc = 0xB704CE
    for byte in data:
        crc ^= byte << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF


def armor(binary: bytes) -> bytes:
    """ASCII armor of an OpenPGP message: no headers, 64-column base64, CRC-24 line (LF line ends)."""
    text = base64.b64encode(binary)
    lines = [text[i : i + 64] for i in range(0, len(text), 64)]
    checksum = b"=" + base64.b64encode(crc24(binary).to_bytes(3, "big"))
    return b"\n".join([BEGIN, b"", *lines, checksum, END]) + b"\n"


def dearmor(armored: bytes) -> bytes:
    """The binary packets of one armored OpenPGP message (headers skipped, CRC checked when present)."""
    lines = [line.strip() for line in bytes(armored).splitlines()]
    try:
        start = lines.index(BEGIN)
        end = lines.index(END, start + 1)
    except ValueError:
        raise EncryptionFailed("gpg did not return one armored OpenPGP message") from None
    body = lines[start + 1 : end]
    if b"" in body:  # armor headers end at the first empty line
        body = body[body.index(b"") + 1 :]
    checksum = body.pop() if body and body[-1].startswith(b"=") and len(body[-1]) == 5 else None
    try:
        binary = base64.b64decode(b"".join(body), validate=True)
        expected = base64.b64decode(checksum[1:], validate=True) if checksum is not None else None
    except (binascii.Error, ValueError):
        raise EncryptionFailed("gpg's armored message is not valid base64") from None
    if expected is not None and expected != crc24(binary).to_bytes(3, "big"):
        raise EncryptionFailed("gpg's armored message has a wrong checksum")
    return binary


def _header(data: bytes, pos: int) -> tuple[int, int, int | None]:
    """(tag, start of body, body length or None when partial/indeterminate) of the packet at `pos`."""
    if pos + 2 > len(data) or not data[pos] & 0x80:
        raise EncryptionFailed("gpg's message has a malformed packet header")
    first = data[pos]
    if first & 0x40:  # new format (RFC 4880 §4.2.2)
        tag, o1 = first & 0x3F, data[pos + 1]
        if o1 < 192:
            return tag, pos + 2, o1
        if o1 < 224:
            if pos + 3 > len(data):
                raise EncryptionFailed("gpg's message has a cut-off packet header")
            return tag, pos + 3, ((o1 - 192) << 8) + data[pos + 2] + 192
        if o1 == 255:
            if pos + 6 > len(data):
                raise EncryptionFailed("gpg's message has a cut-off packet header")
            return tag, pos + 6, int.from_bytes(data[pos + 2 : pos + 6], "big")
        return tag, pos + 1, None  # partial body lengths: only the last packet may have them here
    tag, kind = (first >> 2) & 0x0F, first & 0x03
    if kind == 3:
        return tag, pos + 1, None
    size = 1 << kind
    if pos + 1 + size > len(data):
        raise EncryptionFailed("gpg's message has a cut-off packet header")
    return tag, pos + 1 + size, int.from_bytes(data[pos + 1 : pos + 1 + size], "big")


def split(binary: bytes) -> tuple[list[SessionKeyPacket], bytes]:
    """The leading session-key packets of a message and the encrypted data packet after them (as is).

    Only a message this module can cut safely passes: v3 PKESKs, then one integrity-protected
    encrypted data packet that runs to the end of the message."""
    packets: list[SessionKeyPacket] = []
    pos = 0
    while pos < len(binary):
        tag, start, length = _header(binary, pos)
        if tag != _PKESK:
            if tag not in _ACCEPTED_DATA:
                raise EncryptionFailed(f"gpg's message holds packet type {tag} where encrypted data belongs")
            if length is not None and start + length != len(binary):
                raise EncryptionFailed("gpg's message has more than one encrypted data packet")
            if not packets:
                raise EncryptionFailed("gpg's message has no session-key packet")
            return packets, binary[pos:]
        if length is None or start + length > len(binary) or length < 10 or binary[start] != 3:
            raise EncryptionFailed("gpg's message has a session-key packet this server cannot handle")
        key_id = binary[start + 1 : start + 9]
        packets.append(SessionKeyPacket(key_id.hex().upper(), binary[pos : start + length]))
        pos = start + length
    raise EncryptionFailed("gpg's message holds no encrypted data")


def _with_key_id(packet: SessionKeyPacket, key_id: bytes) -> bytes:
    """The PKESK with another key id in its (fixed) place: version octet, then 8 octets of key id."""
    _tag, start, _length = _header(packet.raw, 0)
    return packet.raw[: start + 1] + key_id + packet.raw[start + 9 :]


def per_recipient(armored: bytes, key_ids: Mapping[str, frozenset[str]], *, hide: bool = False) -> dict[str, bytes]:
    """Cut a message encrypted to several recipients (key ids shown) into one armored message per
    recipient fingerprint, each with that recipient's session-key packet only.

    `key_ids` maps each recipient's primary fingerprint to the 16-hex key ids of its keys. Every
    recipient must own exactly one packet and every packet one recipient; anything else is refused
    (EncryptionFailed), never sent to the wrong person."""
    packets, data = split(dearmor(armored))
    owner: dict[str, str] = {}
    for fpr, ids in key_ids.items():
        for key_id in ids:
            if key_id in owner and owner[key_id] != fpr:
                raise EncryptionFailed("two recipients' keys share a key id; not sending")
            owner[key_id] = fpr
    out: dict[str, bytes] = {}
    for packet in packets:
        reader = owner.get(packet.key_id)
        if reader is None or reader in out:
            raise EncryptionFailed("a session-key packet belongs to no recipient, or to one twice; not sending")
        raw = _with_key_id(packet, _WILDCARD) if hide else packet.raw
        out[reader] = armor(raw + data)
    if set(out) != set(key_ids):
        raise EncryptionFailed("gpg did not encrypt to every recipient; not sending")
    return out
