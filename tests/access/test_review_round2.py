"""A second outside review: a credential that does not speak for its holder stays that way everywhere.

Each test reproduces a request sequence an attacker holding a regisseur account tried.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from support.helpers import bearer

from eenplan.domain.access import Principal
from eenplan.domain.betrokkene import Betrokkene, Kind, Role


def _hh(demo, suffix=""):
    return f"/api/households/{demo['household']['id']}{suffix}"


async def _joost_as_casusregisseur(client, demo) -> dict:
    joost = demo["by_name"]["Joost Willems"]
    resp = await client.patch(
        _hh(demo, f"/betrokkenen/{joost['id']}"), headers=bearer(demo["regisseur"]), json={"role": "casusregisseur"}
    )
    assert resp.status == 200, await resp.text()
    return joost


async def _token_joost_holds_for_sanne(client, demo) -> dict:
    joost = await _joost_as_casusregisseur(client, demo)
    resp = await client.post(_hh(demo, f"/betrokkenen/{demo['regisseur']['id']}/token"), headers=bearer(joost))
    assert resp.status == 201, await resp.text()
    return {"token": (await resp.json())["token"]}


async def test_a_token_issued_for_a_regisseur_cannot_open_a_household_in_her_name(client, demo):
    held = await _token_joost_holds_for_sanne(client, demo)
    resp = await client.post(
        "/api/households", headers=bearer(held), json={"code": "EVIL-9", "name": "X", "gemeente": "Maastricht"}
    )
    assert resp.status == 403, await resp.text()  # it would have answered a personal token for "Sanne"
    assert "token" not in await resp.json()
    own = await client.post(
        "/api/households",
        headers=bearer(demo["regisseur"]),
        json={"code": "GOED-1", "name": "Y", "gemeente": "Heerlen"},
    )
    assert own.status == 201, await own.text()


async def test_nobody_changes_their_own_role_through_a_token_issued_for_someone_else(client, demo):
    joost = await _joost_as_casusregisseur(client, demo)
    resp = await client.patch(
        _hh(demo, f"/betrokkenen/{joost['id']}"), headers=bearer(joost), json={"role": "procesregisseur"}
    )
    assert resp.status == 422
    held = await _token_joost_holds_for_sanne(client, demo)
    resp = await client.patch(
        _hh(demo, f"/betrokkenen/{joost['id']}"), headers=bearer(held), json={"role": "procesregisseur"}
    )
    # refused even before the role rule: a held token does none of the regisseur's acts (issued_token_regie_acts)
    assert resp.status == 403, await resp.text()
    assert "issued by someone else" in (await resp.json())["detail"]


async def _aanspreekpunt(services, demo) -> str:
    """The operator's aanspreekpunt as the stagnation ladder records it at step 4 (not through the API)."""
    ap = Betrokkene(
        id=str(uuid.uuid4()),
        household_id=demo["household"]["id"],
        name="Anna Punt",
        kind=Kind.PROFESSIONAL,
        role=Role.AANSPREEKPUNT,
        relation="gemeentelijk aanspreekpunt",
        organisation="Gemeente Maastricht",
        email="a.punt@maastricht.example",
        phone=None,
        reachable_days=(),
        birth_date=None,
        created_at=datetime.now(UTC),
    )
    async with services.betrokkenen._uow(write=True) as uow:
        await uow.betrokkenen.add(ap)
        await uow.commit()
    return ap.id


async def test_the_regisseur_neither_edits_nor_removes_the_operators_aanspreekpunt(client, services, demo):
    ap = await _aanspreekpunt(services, demo)
    reg = bearer(demo["regisseur"])
    resp = await client.patch(_hh(demo, f"/betrokkenen/{ap}"), headers=reg, json={"name": "Nep Aanspreekpunt"})
    assert resp.status == 403, await resp.text()
    resp = await client.delete(_hh(demo, f"/betrokkenen/{ap}"), headers=reg)
    assert resp.status == 403, await resp.text()
    resp = await client.get(_hh(demo, f"/betrokkenen/{ap}"), headers=reg)
    assert resp.status == 200 and (await resp.json())["name"] == "Anna Punt"


async def test_who_asks_for_consent_is_who_holds_the_token(client, services, demo, clock):
    hh = demo["household"]["id"]
    joost = await _joost_as_casusregisseur(client, demo)
    held = {"token": services.tokens.issue(Principal(demo["regisseur"]["id"], hh, issued_by=joost["id"]))}
    resp = await client.post(
        _hh(demo, "/toestemmingen"),
        headers=bearer(held),
        json={
            "grantee_id": demo["by_name"]["Inge Bakker"]["id"],
            "sections": ["analyse"],
            "level": "read",
            "purpose": "hulpverlening afstemmen",
            "until": (clock.today() + timedelta(days=60)).isoformat(),
        },
    )
    assert resp.status == 201, await resp.text()
    assert (await resp.json())["requested_by"] == joost["id"]
