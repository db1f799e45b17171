"""Ways around the klant's consent through the list of people (issue 10, item 1, as a reviewer found them).

Each test replays a reviewer's attack over HTTP: a regisseur adding her own address to a klant who had none
and signing in as that klant; a regisseur recording herself as a klant; and replacing the mother who had not
answered by a "mother" with the attacker's address.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from support.helpers import bearer
from support.mail_helpers import drain

from eenplan.bootstrap import utc_now
from eenplan.domain.contact_changes import SUBJECT

CONFIRM = re.compile(r"https://plan\.example\.org/auth/contact-change/([A-Za-z0-9_\-]{43})")
SIGNIN = re.compile(r"https://plan\.example\.org/auth/magic-link/([A-Za-z0-9_\-]{43})")
ATTACKER = "sanne.prive@example.org"


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


def _mail(peer, address: str, subject: str) -> list:
    return [m for m in peer.to(address) if m["Subject"] == subject]


async def _field(resp) -> str:
    assert resp.status == 422, await resp.text()
    return (await resp.json())["errors"][0]["field"]


async def _sign_in(client, services, peer, demo, email: str) -> dict[str, str]:
    """Ask a magic link for `email`, take it from the mail, redeem it: the session's Authorization header."""
    resp = await client.post("/auth/magic-link", json={"email": email})
    assert resp.status == 202
    await services.signin.settle()
    await drain(services.outbox)
    (link,) = SIGNIN.findall(_text(_mail(peer, email, "Inloggen bij uw plan")[-1]))
    redeemed = await client.post(f"/auth/magic-link/{link}")
    assert redeemed.status == 200, await redeemed.text()
    return {"Authorization": f"Bearer {(await redeemed.json())['session']}"}


async def _request(client, demo, services, **over) -> dict:
    body = {
        "grantee_id": demo["by_name"]["Khadija El Amrani"]["id"],
        "sections": ["analyse"],
        "level": "read",
        "purpose": "testen van delen met oma",
        "until": (services.plan.today() + timedelta(days=60)).isoformat(),  # the services' (Amsterdam) day
    } | over
    resp = await client.post(_url(demo, "/toestemmingen"), json=body, headers=bearer(demo["regisseur"]))
    assert resp.status == 201, await resp.text()
    return await resp.json()


async def _consent(client, demo, cid: str) -> dict:
    resp = await client.get(_url(demo, f"/toestemmingen/{cid}"), headers=bearer(demo["regisseur"]))
    assert resp.status == 200
    return await resp.json()


# -- 1. an address the regisseur adds to a klant who had none ----------------------------------------------


async def test_a_session_through_an_address_someone_else_added_never_speaks_for_the_klant(
    client, demo, services, smtp_peer
):
    _, peer = smtp_peer
    sanne = demo["regisseur"]
    added = await client.post(
        _url(demo, "/betrokkenen"),
        headers=bearer(sanne),
        json={"name": "Mohammed El Amrani", "kind": "klant", "role": "ouder", "relation": "vader"},
    )
    assert added.status == 201, await added.text()
    mohammed = (await added.json())["id"]
    consent = await _request(client, demo, services, about_id=mohammed)
    assert consent["required_consenters"] == [mohammed]

    resp = await client.patch(_url(demo, f"/betrokkenen/{mohammed}"), json={"email": ATTACKER}, headers=bearer(sanne))
    assert resp.status == 200
    await drain(services.outbox)
    (token,) = CONFIRM.findall(_text(_mail(peer, ATTACKER, SUBJECT)[0]))  # the link goes to the new address
    assert (await client.post(f"/auth/contact-change/{token}")).status == 200  # ... whose owner is the attacker
    session = await _sign_in(client, services, peer, demo, ATTACKER)

    assert (await client.get(_url(demo, "/plan"), headers=session)).status == 200  # reading the plan works
    assert (await client.get(_url(demo, "/toegangslog"), headers=session)).status == 403
    answer = await client.post(
        _url(demo, f"/toestemmingen/{consent['id']}/antwoord"),
        json={"besluit": "ja", "wijze": "schriftelijk"},
        headers=session,
    )
    assert answer.status == 403
    assert (await _consent(client, demo, consent["id"]))["status"] == "aangevraagd"
    exclusions = await client.put(_url(demo, "/aanspreekpunt-uitsluitingen"), json={"sections": []}, headers=session)
    assert exclusions.status == 403
    # nor can the session launder itself: a new address given from it is approved at the added one
    moved = await client.patch(
        _url(demo, f"/betrokkenen/{mohammed}"), json={"email": "mohammed@example.org"}, headers=session
    )
    assert (await moved.json())["pending"] == {"email": "mohammed@example.org"}
    await drain(services.outbox)
    (approve,) = CONFIRM.findall(_text(_mail(peer, ATTACKER, SUBJECT)[-1]))
    assert (await client.post(f"/auth/contact-change/{approve}")).status == 200
    again = await _sign_in(client, services, peer, demo, "mohammed@example.org")
    assert (await client.get(_url(demo, "/toegangslog"), headers=again)).status == 403


async def test_an_address_given_at_intake_still_signs_the_klant_in_personally(client, demo, services, smtp_peer):
    _, peer = smtp_peer
    session = await _sign_in(client, services, peer, demo, "fatima@example.org")
    # a personal act (the access log needs a second factor besides; setting exclusions does not)
    exclusions = await client.put(_url(demo, "/aanspreekpunt-uitsluitingen"), json={"sections": []}, headers=session)
    assert exclusions.status == 200, await exclusions.text()


# -- 2. a regisseur recording herself as a klant -------------------------------------------------------------


async def test_a_regisseur_cannot_record_herself_or_a_professional_as_a_klant(client, demo, services):
    sanne, joost = demo["regisseur"], demo["by_name"]["Joost Willems"]
    promoted = await client.patch(
        _url(demo, f"/betrokkenen/{joost['id']}"), json={"role": "casusregisseur"}, headers=bearer(sanne)
    )
    assert promoted.status == 200
    consent = await _request(client, demo, services)
    herself = await client.patch(
        _url(demo, f"/betrokkenen/{sanne['id']}"), json={"kind": "klant", "role": "ouder"}, headers=bearer(sanne)
    )
    assert await _field(herself) == "kind"
    other = await client.patch(
        _url(demo, f"/betrokkenen/{joost['id']}"), json={"kind": "netwerk", "role": "netwerklid"}, headers=bearer(sanne)
    )
    assert await _field(other) == "kind"
    own_role = await client.patch(
        _url(demo, f"/betrokkenen/{sanne['id']}"), json={"role": "hulpverlener"}, headers=bearer(sanne)
    )
    assert await _field(own_role) == "role"
    assert (await client.get(_url(demo, "/toegangslog"), headers=bearer(sanne))).status == 403
    assert sanne["id"] not in (await _consent(client, demo, consent["id"]))["required_consenters"]
    listed = await client.get(_url(demo, f"/betrokkenen/{sanne['id']}"), headers=bearer(sanne))
    assert (await listed.json())["kind"] == "professional"


async def test_the_aanspreekpunt_is_not_recorded_through_the_api(client, demo):
    sanne, joost = demo["regisseur"], demo["by_name"]["Joost Willems"]
    added = await client.post(
        _url(demo, "/betrokkenen"),
        headers=bearer(sanne),
        json={"name": "Piet Gemeente", "kind": "professional", "role": "aanspreekpunt"},
    )
    assert await _field(added) == "role"
    changed = await client.patch(
        _url(demo, f"/betrokkenen/{joost['id']}"), json={"role": "aanspreekpunt"}, headers=bearer(sanne)
    )
    assert await _field(changed) == "role"


# -- 3. replacing the mother ---------------------------------------------------------------------------------


async def test_removing_the_mother_ends_the_request_and_she_is_told(client, demo, services, smtp_peer):
    _, peer = smtp_peer
    sanne = demo["regisseur"]
    fatima, youssef = demo["by_name"]["Fatima El Amrani"], demo["by_name"]["Youssef El Amrani"]
    consent = await _request(client, demo, services, about_id=youssef["id"], sections=["analyse", "veiligheidsplan"])
    assert set(consent["required_consenters"]) == {fatima["id"], youssef["id"]}
    said = await client.post(
        _url(demo, f"/toestemmingen/{consent['id']}/antwoord"),
        json={"besluit": "ja", "wijze": "schriftelijk"},
        headers=bearer(youssef),
    )
    assert said.status == 200

    assert (await client.delete(_url(demo, f"/betrokkenen/{fatima['id']}"), headers=bearer(sanne))).status == 204
    await drain(services.outbox)
    (told,) = _mail(peer, "fatima@example.org", SUBJECT)  # the removed mother is told, without content
    assert "niet langer" in _text(told) and "Youssef" not in _text(told) and not CONFIRM.search(_text(told))
    assert (await _consent(client, demo, consent["id"]))["status"] == "ingetrokken"

    puppet = await client.post(
        _url(demo, "/betrokkenen"),
        headers=bearer(sanne),
        json={
            "name": "Fatima El Amrani",
            "kind": "klant",
            "role": "ouder",
            "relation": "moeder",
            "email": ATTACKER,
            "birth_date": "1987-06-02",
        },
    )
    assert puppet.status == 201
    session = await _sign_in(client, services, peer, demo, ATTACKER)
    answer = await client.post(
        _url(demo, f"/toestemmingen/{consent['id']}/antwoord"),
        json={"besluit": "ja", "wijze": "schriftelijk"},
        headers=session,
    )
    assert await _field(answer) == "status"
    after = await _consent(client, demo, consent["id"])
    assert after["status"] == "ingetrokken"
    plan = await client.get(_url(demo, "/plan"), headers=bearer(demo["by_name"]["Khadija El Amrani"]))
    assert (await plan.json())["sections"].get("analyse") in (None, {}, [])
    log = await (await client.get(_url(demo, "/toegangslog?limit=200"), headers=bearer(youssef))).json()
    removal = [e["detail"] for e in log["entries"] if e["ground"] == "betrokkene gewijzigd"]
    assert f"betrokkene {fatima['id']}: verwijderd; toestemmingen heropend: 0, ingetrokken: 1" in removal


async def test_a_granted_request_is_revoked_when_a_required_klant_is_removed(client, demo, services):
    fatima, youssef = demo["by_name"]["Fatima El Amrani"], demo["by_name"]["Youssef El Amrani"]
    consent = await _request(client, demo, services, about_id=youssef["id"])
    for person in (fatima, youssef):
        said = await client.post(
            _url(demo, f"/toestemmingen/{consent['id']}/antwoord"),
            json={"besluit": "ja", "wijze": "schriftelijk"},
            headers=bearer(person),
        )
        assert said.status == 200
    assert (await _consent(client, demo, consent["id"]))["status"] == "verleend"
    resp = await client.delete(_url(demo, f"/betrokkenen/{fatima['id']}"), headers=bearer(demo["regisseur"]))
    assert resp.status == 204
    after = await _consent(client, demo, consent["id"])
    assert after["status"] == "ingetrokken" and after["revoked_by"] == demo["regisseur"]["id"]


async def test_a_klant_is_told_when_someone_else_changes_her_role_or_birth_date(client, demo, services, smtp_peer):
    _, peer = smtp_peer
    youssef = demo["by_name"]["Youssef El Amrani"]
    born = date(services.plan.today().year - 17, 1, 1)  # 16 or 17 by the services' (Amsterdam) day, not the UTC one
    resp = await client.patch(
        _url(demo, f"/betrokkenen/{youssef['id']}"),
        json={"birth_date": born.isoformat()},
        headers=bearer(demo["regisseur"]),
    )
    assert resp.status == 200
    await drain(services.outbox)
    (told,) = _mail(peer, "youssef@example.org", SUBJECT)
    assert "rol of" in _text(told) and str(born.year) not in _text(told)
    # a change of contact details only is not such a change
    await client.patch(
        _url(demo, f"/betrokkenen/{youssef['id']}"), json={"phone": "06 1111 2222"}, headers=bearer(demo["regisseur"])
    )
    await drain(services.outbox)
    assert len(_mail(peer, "youssef@example.org", SUBJECT)) == 1
