"""Contact data that signs someone in changes only with the person's confirmation (issue 10, item 1).

The attack from the outside: a regisseur PATCHes the klant's e-mail address to their own, asks a magic link
for it and redeems it — a personal session as the klant (consent, the klant's access log). Now someone else's
change of an address waits for the person's approval at the old address, which is always told.
"""

from __future__ import annotations

import re

import pytest
from support.helpers import bearer
from support.mail_helpers import drain

from eenplan.bootstrap import utc_now
from eenplan.domain.contact_changes import SUBJECT

CONFIRM = re.compile(r"https://plan\.example\.org/auth/contact-change/([A-Za-z0-9_\-]{43})")
SIGNIN = re.compile(r"https://plan\.example\.org/auth/magic-link/([A-Za-z0-9_\-]{43})")
ATTACKER = "sanne.prive@example.org"
#: conditional updates decide single use and staleness: both databases
pytestmark = pytest.mark.both_databases


@pytest.fixture
def clock():
    """The real clock: the outbox worker's passes run in real time."""
    return utc_now


@pytest.fixture
def settings(mail_settings):
    """Mail on (aiosmtpd peer, server keyring): sign-in links and notices go through the outbox."""
    return mail_settings


def _url(demo, path: str = "") -> str:
    return f"/api/households/{demo['household']['id']}{path}"


def _text(msg) -> str:
    return "".join(p.get_content() for p in msg.walk() if p.get_content_type() == "text/plain")


async def _ask_link(client, services, demo, email: str) -> None:
    resp = await client.post("/auth/magic-link", json={"email": email})
    assert resp.status == 202
    await services.signin.settle()
    await drain(services.outbox)


def _mail(peer, address: str, subject: str) -> list:
    return [m for m in peer.to(address) if m["Subject"] == subject]


async def test_a_regisseur_cannot_become_the_klant(client, demo, services, smtp_peer):
    _, peer = smtp_peer
    fatima, sanne = demo["by_name"]["Fatima El Amrani"], demo["regisseur"]
    changed = await client.patch(
        _url(demo, f"/betrokkenen/{fatima['id']}"), json={"email": ATTACKER}, headers=bearer(sanne)
    )
    assert changed.status == 200
    body = await changed.json()
    assert body["email"] == "fatima@example.org" and body["pending"] == {"email": ATTACKER}
    listed = await client.get(_url(demo, f"/betrokkenen/{fatima['id']}"), headers=bearer(sanne))
    assert (await listed.json())["email"] == "fatima@example.org"

    await _ask_link(client, services, demo, ATTACKER)
    assert peer.to(ATTACKER) == []  # no sign-in link, so no session as the klant

    (notice,) = _mail(peer, "fatima@example.org", SUBJECT)  # the old address is told at once
    assert notice.get_content_type() == "multipart/signed"
    assert ATTACKER in _text(notice) and CONFIRM.search(_text(notice))
    # the klant keeps signing in with her own address
    await _ask_link(client, services, demo, "fatima@example.org")
    assert len(_mail(peer, "fatima@example.org", "Inloggen bij uw plan")) == 1


async def test_the_person_approves_at_the_old_address_and_then_the_new_one_signs_in(client, demo, services, smtp_peer):
    _, peer = smtp_peer
    fatima, sanne = demo["by_name"]["Fatima El Amrani"], demo["regisseur"]
    new = "fatima.nieuw@example.org"
    await client.patch(_url(demo, f"/betrokkenen/{fatima['id']}"), json={"email": new}, headers=bearer(sanne))
    await drain(services.outbox)
    (token,) = CONFIRM.findall(_text(_mail(peer, "fatima@example.org", SUBJECT)[0]))
    page = await client.get(f"/auth/contact-change/{token}")  # a mail scanner's prefetch confirms nothing
    assert page.status == 200 and 'method="post"' in await page.text()
    assert (await (await client.get(_url(demo, f"/betrokkenen/{fatima['id']}"), headers=bearer(sanne))).json())[
        "email"
    ] == "fatima@example.org"
    confirmed = await client.post(f"/auth/contact-change/{token}")
    assert confirmed.status == 200 and (await confirmed.json()) == {"status": "confirmed", "field": "email"}
    again = await client.post(f"/auth/contact-change/{token}")
    assert again.status == 401 and again.content_type == "application/problem+json"
    assert (await (await client.get(_url(demo, f"/betrokkenen/{fatima['id']}"), headers=bearer(sanne))).json())[
        "email"
    ] == new
    await _ask_link(client, services, demo, new)
    (signin,) = _mail(peer, new, "Inloggen bij uw plan")
    (link,) = SIGNIN.findall(_text(signin))
    redeemed = await client.post(f"/auth/magic-link/{link}")
    assert redeemed.status == 200 and (await redeemed.json())["households"] == [demo["household"]["id"]]


async def test_removing_an_address_waits_for_the_person_too(client, demo, services, smtp_peer):
    _, peer = smtp_peer
    fatima = demo["by_name"]["Fatima El Amrani"]
    resp = await client.patch(
        _url(demo, f"/betrokkenen/{fatima['id']}"), json={"email": None}, headers=bearer(demo["regisseur"])
    )
    assert resp.status == 200 and (await resp.json())["email"] == "fatima@example.org"
    # then adding the attacker's address to the "empty" record is still a change of Fatima's address
    resp = await client.patch(
        _url(demo, f"/betrokkenen/{fatima['id']}"), json={"email": ATTACKER}, headers=bearer(demo["regisseur"])
    )
    assert (await resp.json())["email"] == "fatima@example.org"
    await _ask_link(client, services, demo, ATTACKER)
    assert peer.to(ATTACKER) == []
    assert len(_mail(peer, "fatima@example.org", SUBJECT)) == 2
    # the second request replaced the first: only the latest approval link works
    notices = {ATTACKER in _text(m): CONFIRM.findall(_text(m))[0] for m in _mail(peer, "fatima@example.org", SUBJECT)}
    assert (await client.post(f"/auth/contact-change/{notices[False]}")).status == 401
    assert (await client.post(f"/auth/contact-change/{notices[True]}")).status == 200


async def test_a_token_issued_by_the_regisseur_is_not_the_person(client, demo, services, smtp_peer):
    _, peer = smtp_peer
    fatima = demo["by_name"]["Fatima El Amrani"]
    issued = await client.post(_url(demo, f"/betrokkenen/{fatima['id']}/token"), headers=bearer(demo["regisseur"]))
    machine = {"Authorization": f"Bearer {(await issued.json())['token']}"}
    resp = await client.patch(_url(demo, f"/betrokkenen/{fatima['id']}"), json={"email": ATTACKER}, headers=machine)
    assert resp.status == 200 and (await resp.json())["pending"] == {"email": ATTACKER}
    await _ask_link(client, services, demo, ATTACKER)
    assert peer.to(ATTACKER) == []


async def test_the_persons_own_change_applies_and_the_old_address_is_told(client, demo, services, smtp_peer):
    _, peer = smtp_peer
    oma = demo["by_name"]["Khadija El Amrani"]
    new = "oma.nieuw@example.org"
    resp = await client.patch(_url(demo, f"/betrokkenen/{oma['id']}"), json={"email": new}, headers=bearer(oma))
    assert resp.status == 200 and (await resp.json())["email"] == new and "pending" not in await resp.json()
    await _ask_link(client, services, demo, new)
    assert len(_mail(peer, new, "Inloggen bij uw plan")) == 1
    (told,) = _mail(peer, "khadija@example.org", SUBJECT)  # told at the OLD address
    assert "gewijzigd" in _text(told) and not CONFIRM.search(_text(told))
    assert _mail(peer, new, SUBJECT) == []


async def test_an_address_added_by_someone_else_signs_in_only_once_its_owner_confirms(
    client, demo, services, smtp_peer
):
    _, peer = smtp_peer
    added = await client.post(
        _url(demo, "/betrokkenen"),
        headers=bearer(demo["regisseur"]),
        json={"name": "Ahmed El Amrani", "kind": "netwerk", "role": "netwerklid"},
    )
    assert added.status == 201, await added.text()
    ahmed = await added.json()
    address = "ahmed@example.org"
    resp = await client.patch(
        _url(demo, f"/betrokkenen/{ahmed['id']}"), json={"email": address}, headers=bearer(demo["regisseur"])
    )
    assert (await resp.json())["email"] == address  # recorded (mail can reach it) ...
    await _ask_link(client, services, demo, address)
    assert _mail(peer, address, "Inloggen bij uw plan") == []  # ... but it signs nobody in yet
    (confirm,) = _mail(peer, address, SUBJECT)
    (token,) = CONFIRM.findall(_text(confirm))
    assert (await client.post(f"/auth/contact-change/{token}")).status == 200
    await _ask_link(client, services, demo, address)
    assert len(_mail(peer, address, "Inloggen bij uw plan")) == 1


async def test_an_approval_is_stale_once_the_address_changed_otherwise(client, demo, services, smtp_peer):
    _, peer = smtp_peer
    fatima = demo["by_name"]["Fatima El Amrani"]
    await client.patch(
        _url(demo, f"/betrokkenen/{fatima['id']}"), json={"email": ATTACKER}, headers=bearer(demo["regisseur"])
    )
    await drain(services.outbox)
    (token,) = CONFIRM.findall(_text(_mail(peer, "fatima@example.org", SUBJECT)[0]))
    own = await client.patch(
        _url(demo, f"/betrokkenen/{fatima['id']}"), json={"email": "fatima2@example.org"}, headers=bearer(fatima)
    )
    assert (await own.json())["email"] == "fatima2@example.org"
    assert (await client.post(f"/auth/contact-change/{token}")).status == 401


@pytest.fixture(scope="module")
def fatima_key():
    """A good OpenPGP key for Fatima in its own GNUPGHOME."""
    from eenplan_crypto.testing import create_keys

    keys = create_keys({"fatima": ("good", "Fatima <fatima@example.org>")})
    yield keys["fatima"]
    keys["fatima"].cleanup()


async def test_a_key_pinned_or_removed_by_someone_else_is_told_to_the_person(
    client, demo, services, smtp_peer, fatima_key
):
    _, peer = smtp_peer
    fatima, sanne = demo["by_name"]["Fatima El Amrani"], demo["regisseur"]
    key_url = _url(demo, f"/betrokkenen/{fatima['id']}/key")
    own = await client.put(key_url, json={"armored": fatima_key.armored_public}, headers=bearer(fatima))
    assert own.status == 200
    await drain(services.outbox)
    assert _mail(peer, "fatima@example.org", SUBJECT) == []  # her own key: nothing to tell
    assert (await client.delete(key_url, headers=bearer(sanne))).status == 204
    assert (await client.put(key_url, json={"armored": fatima_key.armored_public}, headers=bearer(sanne))).status == 200
    await drain(services.outbox)
    texts = sorted(_text(m) for m in _mail(peer, "fatima@example.org", SUBJECT))
    assert len(texts) == 2 and "verwijderd" in texts[0] + texts[1] and "ingesteld" in texts[0] + texts[1]


async def test_removing_ones_own_address_is_told_at_that_address(client, demo, services, smtp_peer):
    _, peer = smtp_peer
    oma = demo["by_name"]["Khadija El Amrani"]
    resp = await client.patch(_url(demo, f"/betrokkenen/{oma['id']}"), json={"email": None}, headers=bearer(oma))
    assert resp.status == 200 and (await resp.json())["email"] is None
    await drain(services.outbox)
    (told,) = _mail(peer, "khadija@example.org", SUBJECT)
    assert "gewijzigd" in _text(told)
