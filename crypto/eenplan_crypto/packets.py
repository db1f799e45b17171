"""A cheap look at a submitted public key before gpg sees it: dearmor and walk the OpenPGP packets.

gpg runs under the keyring's one lock, so whatever it is given delays every mail being signed or
encrypted. A key with 1,000 user ids takes gpg seconds; a large invalid blob makes it stop reading
(a broken pipe). This module decides in pure Python, in time linear in the input, whether the input
is one plausible public key of bounded size: valid armor and base64, well-formed packet framing
(RFC 9580 §4.2), no secret-key packets, and at most MAX_USER_IDS user ids and MAX_SUBKEYS subkeys.
It does not check signatures or algorithms; gpg and `keys.evaluate` still do that.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from .envelopes import crc24
from .errors import UnusableKey

#: ASCII-armored size a pinned key may have; a current key with a handful of user ids is 1–15 kB
MAX_KEY_CHARS = 65_536
MAX_USER_IDS = 20
MAX_SUBKEYS = 20
MAX_PACKETS = 256

_MINIMAL = "export it without third-party signatures: gpg --armor --export-options export-minimal --export <key>"
_BEGIN = "-----BEGIN PGP PUBLIC KEY BLOCK-----"
_END = "-----END PGP PUBLIC KEY BLOCK-----"
_PUBLIC_KEY, _SECRET_KEY, _SECRET_SUBKEY, _USER_ID, _PUBLIC_SUBKEY, _USER_ATTRIBUTE = 6, 5, 7, 13, 14, 17


@dataclass(frozen=True)
class PacketCounts:
    """How many packets of each interesting kind the key holds."""

    primary_keys: int
    subkeys: int
    user_ids: int
    packets: int


def dearmor(armored: str, field_name: str = "armored") -> bytes:
    """The binary packets inside one ASCII-armored public key block, or UnusableKey naming the field."""
    if len(armored) > MAX_KEY_CHARS:
        raise UnusableKey(
            f"must be an ASCII-armored public key of at most {MAX_KEY_CHARS} characters; {_MINIMAL}", field_name
        )
    if not armored.isascii():
        raise UnusableKey("must be ASCII-armored (only ASCII characters)", field_name)
    lines = [line.strip() for line in armored.splitlines()]
    try:
        start = lines.index(_BEGIN)
        end = lines.index(_END, start + 1)
    except ValueError:
        raise UnusableKey(f"must be one block from '{_BEGIN}' to '{_END}'", field_name) from None
    body = lines[start + 1 : end]
    if "" in body:  # armor headers (Version:, Comment:) end at the first empty line
        body = body[body.index("") + 1 :]
    elif body and ":" in body[0]:
        raise UnusableKey("armor headers must end with an empty line", field_name)
    if body and body[-1].startswith("=") and len(body[-1]) == 5:  # the optional CRC-24 line
        body = body[:-1]
    try:
        data = base64.b64decode("".join(body), validate=True)
    except (binascii.Error, ValueError):
        raise UnusableKey("is not valid ASCII armor (bad base64)", field_name) from None
    if not data:
        raise UnusableKey("contains no OpenPGP data", field_name)
    return data


def _header(data: bytes, pos: int, field_name: str) -> tuple[int, int, int]:
    """(tag, start of body, body length) of the packet at `pos`."""

    def need(n: int) -> None:
        if pos + n > len(data):
            raise UnusableKey("is not a well-formed OpenPGP key (a packet is cut off)", field_name)

    need(1)
    first = data[pos]
    if not first & 0x80:
        raise UnusableKey("is not a well-formed OpenPGP key (bad packet header)", field_name)
    if first & 0x40:  # new format
        tag = first & 0x3F
        need(2)
        o1 = data[pos + 1]
        if o1 < 192:
            return tag, pos + 2, o1
        if o1 < 224:
            need(3)
            return tag, pos + 3, ((o1 - 192) << 8) + data[pos + 2] + 192
        if o1 == 255:
            need(6)
            return tag, pos + 6, int.from_bytes(data[pos + 2 : pos + 6], "big")
        raise UnusableKey("is not a well-formed OpenPGP key (partial lengths are not allowed in keys)", field_name)
    tag, kind = (first >> 2) & 0x0F, first & 0x03
    if kind == 3:
        raise UnusableKey("is not a well-formed OpenPGP key (indeterminate packet length)", field_name)
    size = 1 << kind
    need(1 + size)
    return tag, pos + 1 + size, int.from_bytes(data[pos + 1 : pos + 1 + size], "big")


def count_packets(data: bytes, field_name: str = "armored") -> PacketCounts:
    """Walk the packet framing of `data`, counting keys and user ids; UnusableKey when malformed."""
    pos = packets = primaries = subkeys = uids = 0
    while pos < len(data):
        tag, start, length = _header(data, pos, field_name)
        if start + length > len(data):
            raise UnusableKey("is not a well-formed OpenPGP key (a packet is cut off)", field_name)
        if tag in (_SECRET_KEY, _SECRET_SUBKEY):
            raise UnusableKey("contains secret key material; submit only the public key", field_name)
        packets += 1
        primaries += tag == _PUBLIC_KEY
        subkeys += tag == _PUBLIC_SUBKEY
        uids += tag in (_USER_ID, _USER_ATTRIBUTE)
        if packets > MAX_PACKETS:
            raise UnusableKey(f"has more than {MAX_PACKETS} packets; {_MINIMAL}", field_name)
        pos = start + length
    if uids > MAX_USER_IDS:
        raise UnusableKey(f"has {uids} user ids; at most {MAX_USER_IDS} are accepted", field_name)
    if subkeys > MAX_SUBKEYS:
        raise UnusableKey(f"has {subkeys} subkeys; at most {MAX_SUBKEYS} are accepted", field_name)
    if primaries != 1:
        raise UnusableKey(f"contains {primaries} keys; submit exactly one public key", field_name)
    return PacketCounts(primaries, subkeys, uids, packets)


def precheck(armored: object, field_name: str = "armored") -> PacketCounts:
    """Refuse, before gpg runs, anything that is not one bounded, well-framed public key block."""
    if not isinstance(armored, str):
        raise UnusableKey("must be an ASCII-armored public key", field_name)
    if "PRIVATE KEY BLOCK" in armored:
        raise UnusableKey("contains secret key material; submit only the public key", field_name)
    if armored.count(_BEGIN) != 1:
        raise UnusableKey(f"must contain exactly one '{_BEGIN}'", field_name)
    return count_packets(dearmor(armored, field_name), field_name)


def armor(data: bytes) -> str:
    """Binary OpenPGP public key packets as one ASCII-armored block (what `precheck` and gpg take)."""
    encoded = base64.b64encode(data).decode("ascii")
    lines = [encoded[i : i + 64] for i in range(0, len(encoded), 64)]
    checksum = base64.b64encode(crc24(data).to_bytes(3, "big")).decode("ascii")
    return "\n".join([_BEGIN, "", *lines, f"={checksum}", _END, ""])


def key_text(data: bytes, field_name: str = "armored") -> str:
    """An uploaded key file as armored text: an armored file as it is, a binary one (`gpg --export`) armored.
    Bounded first, so a large file is refused before any work (UnusableKey naming the field)."""
    if len(data) > MAX_KEY_CHARS:
        raise UnusableKey(f"must be a public key file of at most {MAX_KEY_CHARS} bytes; {_MINIMAL}", field_name)
    if data.lstrip().startswith(b"-----BEGIN "):
        try:
            return data.decode("ascii")
        except UnicodeDecodeError:
            raise UnusableKey("must be ASCII-armored (only ASCII characters)", field_name) from None
    return armor(data)
