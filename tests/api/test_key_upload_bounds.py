"""PUT …/key with keys gpg should never have to see: 422 naming `armored`, never 503 (issue 10 item 7)."""

from __future__ import annotations

import base64
import os

import pytest
from support.helpers import bearer


@pytest.fixture
def settings(mail_settings):
    """Mail on, so the server keyring inspects uploaded keys."""
    return mail_settings


def _armor(data: bytes) -> str:
    text = base64.b64encode(data).decode()
    lines = [text[i : i + 64] for i in range(0, len(text), 64)]
    return "\n".join(["-----BEGIN PGP PUBLIC KEY BLOCK-----", "", *lines, "-----END PGP PUBLIC KEY BLOCK-----", ""])


@pytest.mark.parametrize(
    "armored, problem",
    [
        (
            "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n"
            + base64.b64encode(os.urandom(190_000)).decode()
            + "\n-----END PGP PUBLIC KEY BLOCK-----\n",
            "at most",
        ),  # ~253 KB of nonsense: was 503 (gpg broken pipe)
        (
            _armor(
                bytes([0xC6, 0x05]) + b"xxxxx" + bytes([0xCD, 0x03]) + b"a@b" * 1 + (bytes([0xCD, 0x03]) + b"a@b") * 25
            ),
            "user ids",
        ),
        (_armor(b"\x00garbage"), "well-formed"),
    ],
)
async def test_unusable_uploads_are_422_naming_armored(client, demo, armored, problem):
    person = demo["by_name"]["Fatima El Amrani"]
    resp = await client.put(
        f"/api/households/{demo['household']['id']}/betrokkenen/{person['id']}/key",
        json={"armored": armored},
        headers=bearer(person),
    )
    assert resp.status == 422, await resp.text()
    body = await resp.json()
    assert body["errors"][0]["field"] == "armored" and problem in body["errors"][0]["problem"]
