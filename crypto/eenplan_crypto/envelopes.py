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


CRC24_INIT = 0xB704CE
_CRC24_POLY = 0x1864CFB


def _crc_byte(value: int) -> int:
    register = value << 16
    for _ in range(8):
        register <<= 1
        if register & 0x1000000:
            register ^= _CRC24_POLY
    return register


_CRC24_TABLE = tuple(_crc_byte(i) for i in range(256))


def crc24(data: bytes, register: int = CRC24_INIT) -> int:
    """The CRC-24 of RFC 4880 §6.1 (the armor's checksum), continuing from `register`."""
    table = _CRC24_TABLE
    for byte in data:
        register = ((register << 8) & 0xFFFFFF) ^ table[(register >> 16) ^ byte]
    return register


def _mulmod(a: int, b: int) -> int:
    """a·b modulo the CRC-24 polynomial, over GF(2)."""
    product = 0
    while b:
        if b & 1:
            product ^= a
        b >>= 1
        a <<= 1
        if a & 0x1000000:
            a ^= _CRC24_POLY
    return product


def crc24_shift(register: int, length: int) -> int:
    """The register as `length` zero bytes would leave it. The CRC is linear, so
    crc24(a + b) == crc24(b, 0) ^ crc24_shift(crc24(a), len(b)): a checksum over a long shared tail is
    computed once, and each recipient's short head is put in front of it for free."""
    power, base, n = 1, 2, 8 * length  # x^(8·length) mod P by square-and-multiply
    while n:
        if n & 1:
            power = _mulmod(power, base)
        base = _mulmod(base, base)
        n >>= 1
    return _mulmod(register, power)


def armor(binary: bytes, checksum: int | None = None) -> bytes:
    """ASCII armor of an OpenPGP message: no headers, 64-column base64, CRC-24 line (LF line ends);
    `checksum` when the caller already knows it (see `per_recipient`)."""
    text = base64.b64encode(binary)
    lines = [text[i : i + 64] for i in range(0, len(text), 64)]
    crc = crc24(binary) if checksum is None else checksum
    return b"\n".join([BEGIN, b"", *lines, b"=" + base64.b64encode(crc.to_bytes(3, "big")), END]) + b"\n"


def read_armor(armored: bytes) -> tuple[bytes, int | None]:
    """The binary packets of one armored OpenPGP message and the checksum its armor states (None if none);
    the checksum is not checked here (`dearmor` does)."""
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
        stated = base64.b64decode(checksum[1:], validate=True) if checksum is not None else None
    except (binascii.Error, ValueError):
        raise EncryptionFailed("gpg's armored message is not valid base64") from None
    return binary, int.from_bytes(stated, "big") if stated is not None else None


def dearmor(armored: bytes) -> bytes:
    """The binary packets of one armored OpenPGP message (headers skipped, CRC checked when present)."""
    binary, stated = read_armor(armored)
    if stated is not None and stated != crc24(binary):
        raise EncryptionFailed("the armored message has a wrong checksum")
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
    binary, stated = read_armor(armored)
    packets, data = split(binary)
    # the CRC of the shared encrypted data, from the one gpg stated for the whole message (no pass over it)
    head = len(binary) - len(data)
    tail_crc = crc24(data, 0) if stated is None else stated ^ crc24_shift(crc24(binary[:head]), len(data))
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
        out[reader] = armor(raw + data, tail_crc ^ crc24_shift(crc24(raw), len(data)))
    if set(out) != set(key_ids):
        raise EncryptionFailed("gpg did not encrypt to every recipient; not sending")
    return out
