"""`PATCH /api/households/{id}/betrokkenen/{own id}` changes one's own phone, reachable days and mail choice only
with a credential that speaks for the person (Need.PERSONAL, as Mijn gegevens asks): a token a regisseur issued for
them and a session through an address someone else added are refused with 403, and nothing changes; the person's
own token or session still changes them, and a regisseur still changes anyone's."""

from __future__ import annotations

import re

import pytest
from support.helpers import bearer
from support.mail_helpers import drain

from eenplan.bootstrap import utc_now
from eenplan.domain.access import Principal
from eenplan.domain.contact_changes import SUBJECT

CONFIRM = re.compile(r"https://plan\.example\.org/auth/contact-change/([A-Za-z0-9_\-]{43})")
SIGNIN = re.compile(r"https://plan\.example\.org/auth/magic-link/([A-Za-z0-9_\-]{43})")
CHANGES = (
    {"phone": "06 99999999"},
    {"reachable_days": ["za"]},
    {"mail_choice": "meldingen"},
    {"name": "Fatima El Amrani", "phone": "06 99999999"},
)


def _url(demo, bid: str) -> str:
    return f"/api/households/{demo['household']['id']}/betrokkenen/{bid}"


def _text(msg) -> str:
    return "".join(p.get_content() for p in msg.walk() if p.get_content_type() == "text/plain")


async def _issued(client, demo, bid: str) -> dict[str, str]:
    resp = await client.post(_url(demo, bid) + "/token", headers=bearer(demo["regisseur"]))
    assert resp.status == 201
    return {"Authorization": f"Bearer {(await resp.json())['token']}"}


async def _refused(resp, field: str) -> None:
    assert resp.status == 403, await resp.text()
    assert resp.content_type == "application/problem+json"
    problem = await resp.json()
    assert problem["type"].endswith("/forbidden") and problem["status"] == 403
    assert "issued by someone else" in problem["detail"] and field in problem["detail"]


@pytest.mark.parametrize("body", CHANGES)
async def test_a_token_the_regisseur_issued_cannot_change_the_persons_own_contact(client, demo, body):
    fatima = demo["by_name"]["Fatima El Amrani"]
    before = await (await client.get(_url(demo, fatima["id"]), headers=bearer(fatima))).json()
    resp = await client.patch(_url(demo, fatima["id"]), json=body, headers=await _issued(client, demo, fatima["id"]))
    await _refused(resp, next(k for k in body if k != "name"))
    assert await (await client.get(_url(demo, fatima["id"]), headers=bearer(fatima))).json() == before


async def test_the_persons_own_token_and_the_regisseur_still_change_it(client, demo):
    fatima = demo["by_name"]["Fatima El Amrani"]
    own = await client.patch(_url(demo, fatima["id"]), json={"phone": "06 11111111"}, headers=bearer(fatima))
    assert own.status == 200 and (await own.json())["phone"] == "06 11111111"
    theirs = await client.patch(
        _url(demo, fatima["id"]),
        json={"reachable_days": ["ma"], "mail_choice": "meldingen"},
        headers=bearer(demo["regisseur"]),
    )
    assert theirs.status == 200
    assert (await theirs.json())["reachable_days"] == ["ma"] and (await theirs.json())["mail_choice"] == "meldingen"


async def test_a_regisseurs_issued_token_changes_her_own_contact_as_before(client, demo, services):
    sanne, hid = demo["regisseur"], demo["household"]["id"]
    added = await client.post(
        f"/api/households/{hid}/betrokkenen",
        headers=bearer(sanne),
        json={"name": "Ruud Smit", "kind": "professional", "role": "procesregisseur", "organisation": "Gemeente"},
    )
    assert added.status == 201, await added.text()
    ruud = {"token": services.tokens.issue(Principal((await added.json())["id"], hid))}
    issued = await client.post(_url(demo, sanne["id"]) + "/token", headers=bearer(ruud))  # a second regisseur's
    assert issued.status == 201
    token = {"Authorization": f"Bearer {(await issued.json())['token']}"}
    resp = await client.patch(_url(demo, sanne["id"]), json={"phone": "030 1234567"}, headers=token)
    assert resp.status == 200 and (await resp.json())["phone"] == "030 1234567"


async def test_a_personal_session_changes_ones_own_contact(client, demo, capsys):
    from auth.authkit import sign_in_by_link

    session = await sign_in_by_link(client, capsys, demo, "Khadija El Amrani")
    oma = demo["by_name"]["Khadija El Amrani"]
    headers = {"Authorization": f"Bearer {session}"}
    resp = await client.patch(_url(demo, oma["id"]), json={"phone": "06 22222222"}, headers=headers)
    assert resp.status == 200 and (await resp.json())["phone"] == "06 22222222"


class TestASessionThroughAnAddressSomeoneElseAdded:
    """Ahmed's address was added by the regisseur: his session never speaks for him (`issued_by` = Sanne)."""

    @pytest.fixture
    def clock(self):
        """The real clock: the outbox worker's passes run in real time."""
        return utc_now

    @pytest.fixture
    def settings(self, mail_settings):
        """Mail on (aiosmtpd peer, server keyring): the confirmation and the sign-in link go by mail."""
        return mail_settings

    async def test_is_refused_and_nothing_changes(self, client, demo, services, smtp_peer):
        _, peer = smtp_peer
        sanne = bearer(demo["regisseur"])
        added = await client.post(
            f"/api/households/{demo['household']['id']}/betrokkenen",
            headers=sanne,
            json={"name": "Ahmed El Amrani", "kind": "netwerk", "role": "netwerklid"},
        )
        assert added.status == 201, await added.text()
        ahmed = await added.json()
        resp = await client.patch(_url(demo, ahmed["id"]), json={"email": "ahmed@example.org"}, headers=sanne)
        assert resp.status == 200
        await drain(services.outbox)
        (confirm,) = [m for m in peer.to("ahmed@example.org") if m["Subject"] == SUBJECT]
        assert (await client.post(f"/auth/contact-change/{CONFIRM.findall(_text(confirm))[0]}")).status == 200
        assert (await client.post("/auth/magic-link", json={"email": "ahmed@example.org"})).status == 202
        await services.signin.settle()
        await drain(services.outbox)
        (link,) = [m for m in peer.to("ahmed@example.org") if m["Subject"] == "Inloggen bij uw plan"]
        redeemed = await client.post(f"/auth/magic-link/{SIGNIN.findall(_text(link))[0]}")
        assert redeemed.status == 200
        session = {"Authorization": f"Bearer {(await redeemed.json())['session']}"}

        resp = await client.patch(_url(demo, ahmed["id"]), json={"reachable_days": ["zo"]}, headers=session)
        await _refused(resp, "reachable_days")
        resp = await client.patch(_url(demo, ahmed["id"]), json={"mail_choice": "meldingen"}, headers=session)
        await _refused(resp, "mail_choice")
        now = await (await client.get(_url(demo, ahmed["id"]), headers=sanne)).json()
        assert now["reachable_days"] == [] and now["mail_choice"] == "plan"
        by_regisseur = await client.patch(_url(demo, ahmed["id"]), json={"reachable_days": ["zo"]}, headers=sanne)
        assert by_regisseur.status == 200 and (await by_regisseur.json())["reachable_days"] == ["zo"]
