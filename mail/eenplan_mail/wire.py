"""The wire form of an encrypted plan mail, built as bytes: the same message `pgpmime.wrap_encrypted` builds,
without the cost of the `email` package's header registry and generator on every envelope.

A fan-out sends one message per recipient; building each through `EmailMessage` and flattening it again in
aiosmtplib cost a few milliseconds of the event loop per envelope (most of it parsing and re-folding the long
Autocrypt header and copying the armored body line by line). Here every header is still folded by the same
policy (`POLICY`) from the same validated values (`OutboundHeaders`), once per distinct (name, value) — a
household's From, Subject, List-Id and Autocrypt repeat on every envelope of a fan-out — and the two fixed MIME
parts are constant bytes around the armored data. `tests/mail/test_wire.py` checks that the result is the
message `wrap_encrypted` makes, byte for byte apart from the random boundary.
"""

from __future__ import annotations

import functools
import random
import sys
from email.headerregistry import Address
from email.utils import format_datetime

from eenplan.domain.inbound import LOOP_MARKER

from .headers import OutboundHeaders, fold_keydata
from .pgpmime import POLICY, PgpMimeError

_PREAMBLE = b"This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)\r\n"
_CONTROL_PART = (
    b"Content-Type: application/pgp-encrypted\r\n"
    b"Content-Description: PGP/MIME version identification\r\n"
    b"\r\n"
    b"Version: 1\r\n"
)
_DATA_PART_HEADERS = (
    b'Content-Type: application/octet-stream; name="encrypted.asc"\r\n'
    b"Content-Description: OpenPGP encrypted message\r\n"
    b'Content-Disposition: inline; filename="encrypted.asc"\r\n'
    b"Content-Transfer-Encoding: 7bit\r\n"
    b"\r\n"
)
_BEGIN = b"-----BEGIN PGP MESSAGE-----"
#: the boundary's digits, as `email.generator` makes them
_WIDTH = len(repr(sys.maxsize - 1))


def _fold(name: str, value: object) -> bytes:
    """One header (its line or folded lines) exactly as the generator writes it under `POLICY`."""
    return POLICY.fold_binary(name, POLICY.header_factory(name, value))


@functools.lru_cache(maxsize=2048)
def _folded(name: str, value: str) -> bytes:
    """`_fold` for values that repeat on every envelope of a fan-out (From, Subject, List-Id, Autocrypt …)."""
    return _fold(name, value)


@functools.lru_cache(maxsize=2048)
def _folded_address(name: str, display_name: str, addr_spec: str) -> bytes:
    """`_fold` of an address header, as `OutboundHeaders.apply` sets it (an `Address`)."""
    return _fold(name, Address(display_name=display_name, addr_spec=addr_spec))


def header_block(headers: OutboundHeaders, boundary: str) -> bytes:
    """The outer headers of a multipart/encrypted message, as `wrap_encrypted` sets them and in that order."""
    lines = [
        _folded_address("From", headers.from_name, headers.from_addr),
        _folded_address("To", headers.to_name, headers.to_addr),
        _folded("Subject", headers.subject),
        _fold("Date", format_datetime(headers.date)),
        _fold("Message-ID", headers.message_id),
        _folded("List-Id", headers.list_id),
        b"Auto-Submitted: auto-generated\r\n",
        _folded("X-Loop", f"{LOOP_MARKER}@{headers.from_addr.rpartition('@')[2]}"),
    ]
    if headers.autocrypt_keydata:
        value = f"addr={headers.from_addr}; prefer-encrypt=mutual; keydata={fold_keydata(headers.autocrypt_keydata)}"
        lines.append(_folded("Autocrypt", value))
    lines.append(b"MIME-Version: 1.0\r\n")
    # the generator folds it so too: the boundary has a fixed length (15 "=", the digits, "==")
    lines.append(
        b'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted";\r\n boundary="'
        + boundary.encode("ascii")
        + b'"\r\n'
    )
    return b"".join(lines)


def encrypted_message(armored: bytes, headers: OutboundHeaders) -> bytes:
    """RFC 3156 multipart/encrypted around already signed+encrypted OpenPGP data, with neutral outer headers,
    as the bytes an SMTP client sends (CRLF line endings). Refuses anything but ASCII-armored OpenPGP data."""
    if not isinstance(armored, bytes) or not armored.startswith(_BEGIN) or not armored.isascii():
        raise PgpMimeError("crypto engine did not return an armored OpenPGP message; not sending")
    data = armored.replace(b"\r\n", b"\n").replace(b"\r", b"\n").replace(b"\n", b"\r\n")
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    while True:  # as email.generator does: a boundary that occurs nowhere in the parts
        boundary = "=" * 15 + f"{random.randrange(sys.maxsize):0{_WIDTH}d}" + "=="
        if boundary.encode("ascii") not in data:
            break
    separator = b"--" + boundary.encode("ascii")
    return b"".join(
        (
            header_block(headers, boundary),
            b"\r\n",
            _PREAMBLE,
            separator,
            b"\r\n",
            _CONTROL_PART,
            b"\r\n",
            separator,
            b"\r\n",
            _DATA_PART_HEADERS,
            data,
            b"\r\n",
            separator,
            b"--\r\n",
        )
    )
