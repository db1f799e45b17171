"""The mail choice ("Wat stuurt eenplan u?"): a person who chose "meldingen" gets only the signed, content-free
notice of a plan update, even with a usable key pinned; "plan" brings the encrypted plan again. Through the
real outbox path: a real aiosmtpd peer, real gpg, the API as each person's own client."""

from __future__ import annotations

import pytest
from support.mail_helpers import bearer, drain, upload_keys

from eenplan.bootstrap import utc_now
from eenplan.config import Settings
from eenplan_crypto.testing import create_keys

PEOPLE = ("Fatima El Amrani", "Khadija El Amrani")
MARKER = "GEHEIM-ANALYSE-5521"


@pytest.fixture
def clock():
    """The real clock: the worker's retries run in real time."""
    return utc_now


@pytest.fixture
def settings(mail_settings) -> Settings:
    """Mail on: the aiosmtpd peer and a short server keyring."""
    return mail_settings


@pytest.fixture(scope="module")
def person_keys():
    """A good key for each person here, in their own GNUPGHOME."""
    keys = create_keys({n: ("good", f"{n.split()[0]} <{n.split()[0].lower()}@example.org>") for n in PEOPLE})
    yield keys
    for key in keys.values():
        key.cleanup()


def _hh(demo, path: str) -> str:
    return f"/api/households/{demo['household']['id']}{path}"


async def _change(client, demo) -> int:
    headers = bearer(demo["regisseur"])
    current = await (await client.get(_hh(demo, "/plan"), headers=headers)).json()
    algemeen = current["sections"]["algemeen"]
    algemeen["coordinatie"] += f" Bijgewerkt {MARKER}."  # a section both may read: both views change
    resp = await client.patch(
        _hh(demo, "/plan"),
        headers={**headers, "If-Match": f'"{current["version"]}"'},
        json={"algemeen": algemeen, "analyse": {"analyse": f"Analyse {MARKER}", "gewenst_perspectief": "Rust"}},
    )
    assert resp.status == 200, await resp.text()
    return (await resp.json())["version"]


async def _choose(client, demo, name: str, choice: str) -> dict:
    person = demo["by_name"][name]
    resp = await client.patch(
        _hh(demo, f"/betrokkenen/{person['id']}"), json={"mail_choice": choice}, headers=bearer(person)
    )
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def test_meldingen_means_a_content_free_notice_despite_a_usable_key(
    client, demo, services, smtp_peer, person_keys
):
    _, peer = smtp_peer
    await drain(services.outbox)  # the demo's own version
    peer.messages.clear()
    await upload_keys(client, demo, person_keys, PEOPLE)
    answer = await _choose(client, demo, "Fatima El Amrani", "meldingen")
    assert answer["mail_choice"] == "meldingen"

    lacking = await (await client.get(_hh(demo, "/mail/missing-keys"), headers=bearer(demo["regisseur"]))).json()
    reasons = {row["name"]: row["reason"] for row in lacking["betrokkenen"]}
    assert reasons.get("Fatima El Amrani") == "kiest alleen meldingen" and "Khadija El Amrani" not in reasons

    await _change(client, demo)
    await drain(services.outbox)
    [notice] = peer.to(demo["by_name"]["Fatima El Amrani"]["email"])
    raw = notice.as_bytes()
    assert notice.get_content_type() == "multipart/signed"  # the signed notice, not PGP/MIME
    assert MARKER.encode() not in raw and b"-----BEGIN PGP MESSAGE-----" not in raw
    assert b"https://plan.example.org/" in raw  # it links to the site, where the plan is read
    text = notice.get_payload()[0].get_content()  # in words a grandmother reads, no OpenPGP jargon
    assert "Wij sturen de inhoud niet in een gewone e-mail." in text and "Log in" in text and "OpenPGP" not in text
    [encrypted] = peer.to(demo["by_name"]["Khadija El Amrani"]["email"])
    assert encrypted.get_content_type() == "multipart/encrypted"  # her choice is still "plan"

    peer.messages.clear()
    assert (await _choose(client, demo, "Fatima El Amrani", "plan"))["mail_choice"] == "plan"
    await _change(client, demo)
    await drain(services.outbox)
    [again] = peer.to(demo["by_name"]["Fatima El Amrani"]["email"])
    assert again.get_content_type() == "multipart/encrypted"  # the key was fine: it was her choice
