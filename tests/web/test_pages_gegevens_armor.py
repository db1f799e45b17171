"""A binary key file (what `gpg --export` writes) is armored before the key pre-check and gpg see it: the armor
is one that gpg itself reads back (its CRC-24 checked), and a file too large is refused before any work."""

from __future__ import annotations

import pytest

from eenplan_crypto.errors import UnusableKey
from eenplan_crypto.packets import MAX_KEY_CHARS, armor, dearmor, key_text, precheck
from eenplan_crypto.testing import create_keys


@pytest.fixture(scope="module")
def key():
    """One good key in its own GNUPGHOME."""
    made = create_keys({"k": ("good", "K <k@example.org>")})
    yield made["k"]
    made["k"].cleanup()


def test_a_binary_key_is_armored_so_that_gpg_reads_it_back(key):
    binary = key.gpg("--export", key.fingerprint).stdout
    text = key_text(binary, "sleutelbestand")
    assert text.startswith("-----BEGIN PGP PUBLIC KEY BLOCK-----\n")
    assert dearmor(text) == binary and precheck(text).primary_keys == 1
    assert key.gpg("--dearmor", input=text.encode()).stdout == binary  # gpg checks the CRC-24 line
    own = key.gpg("--armor", "--export", key.fingerprint).stdout.decode().splitlines()
    assert armor(binary).splitlines()[-2] == own[-2]  # the same checksum as gpg's own armor
    broken = text.replace(text.splitlines()[-2], "=AAAA")
    assert key.gpg("--dearmor", input=broken.encode()).returncode != 0  # so gpg would notice a wrong one


def test_an_armored_file_is_taken_as_it_is(key):
    assert key_text(key.armored_public.encode()) == key.armored_public


def test_a_file_too_large_is_refused_naming_the_field():
    with pytest.raises(UnusableKey) as refused:
        key_text(b"\x99" * (MAX_KEY_CHARS + 1), "sleutelbestand")
    assert refused.value.problems[0].field == "sleutelbestand"


def test_a_keys_end_is_the_day_in_amsterdam_not_in_utc():
    """A key that ends at 23:30 UTC on 7 December ends on 8 December for a Dutch reader."""
    from datetime import UTC, datetime

    from eenplan.web.pages.gegevens_pages import long_date

    assert long_date(datetime(2026, 12, 7, 23, 30, tzinfo=UTC)) == "dinsdag 8 december 2026"
