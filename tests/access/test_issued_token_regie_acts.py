"""A token issued by someone else never does the regisseur's work in her name (the sweep's rule, for regie acts).

A phase change names who made it, an overleg who planned it (and its invitations go out as from her), a date poll
who opened it, a stagnation case who opened it and who started or ended each step. Each is the regisseur's own
act, like a plan write (test_issued_token_plan_writes): so POST …/phase, POST …/overleggen, PATCH …/overleggen/{oid},
…/cancel, …/close, the must-attend change, POST …/polls, …/polls/{pid}/pick, POST …/stagnatie, …/escaleren,
…/uitkomst and …/commitment answer 403 "…issued by someone else…" to such a token and write nothing, while her
own credential still does the same.

Only a regisseur issues a token (POST …/betrokkenen/{bid}/token), never for herself: so a token in a regisseur's
name comes from a second regisseur. Here Sanne, the demo's regisseur, adds Ruud as procesregisseur; Ruud, with his
own credential, issues one for Sanne.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from support.helpers import bearer
from support.overleg_kit import plan_overleg

from eenplan.domain.access import Principal
from eenplan.domain.errors import Forbidden

INGE = "Inge Bakker"
CASE = {"doel_id": "school", "actie_id": "mentor", "organisatie": "Jeugdteam", "toelichting": "Geen gesprek"}


def hh(demo: dict[str, Any], suffix: str = "") -> str:
    return f"/api/households/{demo['household']['id']}{suffix}"


async def _ruud(client, demo: dict[str, Any]) -> str:
    """Ruud Smit, a second regisseur of the demo household (added by Sanne): his betrokkene id."""
    body = {"name": "Ruud Smit", "kind": "professional", "role": "procesregisseur", "organisation": "Gemeente"}
    added = await client.post(hh(demo, "/betrokkenen"), headers=bearer(demo["regisseur"]), json=body)
    assert added.status == 201, await added.text()
    return str((await added.json())["id"])


async def _token_for_sanne(client, demo: dict[str, Any], services) -> dict[str, str]:
    """The token Ruud, with his own credential, issues for Sanne through the API: hers in name only."""
    ruud = {"token": services.tokens.issue(Principal(await _ruud(client, demo), demo["household"]["id"]))}
    issued = await client.post(hh(demo, f"/betrokkenen/{demo['regisseur']['id']}/token"), headers=bearer(ruud))
    assert issued.status == 201, await issued.text()
    return {"Authorization": f"Bearer {(await issued.json())['token']}"}


async def _forbidden(resp) -> None:
    assert resp.status == 403, await resp.text()
    assert "issued by someone else" in (await resp.json())["detail"]


async def _get(client, demo: dict[str, Any], suffix: str) -> Any:
    resp = await client.get(hh(demo, suffix), headers=bearer(demo["regisseur"]))
    assert resp.status == 200, await resp.text()
    return await resp.json()


def _slot(clock, hours: int) -> dict[str, str]:
    start = clock.now + timedelta(hours=hours)
    return {"start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()}


def _overleg_body(demo: dict[str, Any], clock) -> dict[str, Any]:
    invitee = {"betrokkene_id": demo["by_name"][INGE]["id"], "must_attend": True}
    return {"type": "voortgangsoverleg", **_slot(clock, 48), "invitees": [invitee]}


# -- the phase --------------------------------------------------------------------------------------------------
async def test_an_issued_token_does_not_change_the_phase(client, demo, services):
    token = await _token_for_sanne(client, demo, services)
    before = await _get(client, demo, "/phases")
    await _forbidden(await client.post(hh(demo, "/phase"), json={"to": 2, "reason": "volgende stap"}, headers=token))
    assert await _get(client, demo, "/phases") == before  # no phase change in Sanne's name
    assert (await _get(client, demo, ""))["phase"] == 1
    own = await client.post(
        hh(demo, "/phase"), json={"to": 2, "reason": "volgende stap"}, headers=bearer(demo["regisseur"])
    )
    assert own.status == 200, await own.text()
    history = (await _get(client, demo, "/phases"))["phases"]
    assert history[-1]["to"] == 2 and history[-1]["by"] == demo["regisseur"]["id"]


# -- overleggen ---------------------------------------------------------------------------------------------------
async def test_an_issued_token_plans_no_overleg(client, demo, services, clock):
    token = await _token_for_sanne(client, demo, services)
    before = await _get(client, demo, "/overleggen")
    await _forbidden(await client.post(hh(demo, "/overleggen"), json=_overleg_body(demo, clock), headers=token))
    assert await _get(client, demo, "/overleggen") == before
    own = await client.post(hh(demo, "/overleggen"), json=_overleg_body(demo, clock), headers=bearer(demo["regisseur"]))
    assert own.status == 201, await own.text()
    assert (await own.json())["invites_queued"] >= 1


async def test_an_issued_token_neither_changes_nor_cancels_an_overleg(client, demo, services, clock):
    oid = await plan_overleg(services, demo, [(INGE, True)], days=3, location="Wijkcentrum", now=clock.now)
    token = await _token_for_sanne(client, demo, services)
    before = await _get(client, demo, f"/overleggen/{oid}")
    url = hh(demo, f"/overleggen/{oid}")
    await _forbidden(await client.patch(url, json={"location": "Stadhuis"}, headers=token))
    await _forbidden(await client.post(url + "/cancel", headers=token))
    assert await _get(client, demo, f"/overleggen/{oid}") == before  # same place, still planned, same revision
    changed = await client.patch(url, json={"location": "Stadhuis"}, headers=bearer(demo["regisseur"]))
    assert changed.status == 200, await changed.text()
    assert (await changed.json())["location"] == "Stadhuis"
    cancelled = await client.post(url + "/cancel", headers=bearer(demo["regisseur"]))
    assert cancelled.status == 200, await cancelled.text()
    assert (await cancelled.json())["status"] == "cancelled"


async def test_an_issued_token_does_not_close_an_overleg(client, demo, services, clock):
    """Closing without adopting a version: marked held with decisions, a next overleg planned — none of it."""
    oid = await plan_overleg(services, demo, [(INGE, True)], days=1, now=clock.now)
    token = await _token_for_sanne(client, demo, services)
    clock.advance(timedelta(days=2))
    url = hh(demo, f"/overleggen/{oid}/close")
    close = {"decisions": "Budgetplan akkoord", "next": _overleg_body(demo, clock)}
    before = await _get(client, demo, "/overleggen")
    await _forbidden(await client.post(url, json=close, headers=token))
    assert await _get(client, demo, "/overleggen") == before  # still planned, no next overleg
    own = await client.post(url, json=close, headers=bearer(demo["regisseur"]))
    assert own.status == 200, await own.text()
    assert (await _get(client, demo, f"/overleggen/{oid}"))["status"] == "held"


async def test_an_issued_principal_does_not_change_who_must_attend(services, demo, clock):
    """The must-attend change (pages only, the cookie session's principal): refused for an issued principal."""
    hid, sanne = demo["household"]["id"], demo["regisseur"]["id"]
    oid = await plan_overleg(services, demo, [(INGE, True)], days=3, now=clock.now)
    inge, issued = demo["by_name"][INGE]["id"], Principal(sanne, hid, issued_by=demo["by_name"][INGE]["id"])
    with pytest.raises(Forbidden, match="issued by someone else"):
        await services.overleggen.set_must_attend(issued, hid, oid, inge, False)
    own = Principal(sanne, hid)
    view = await services.overleggen.get(own, hid, oid)
    assert [i.must_attend for i in view.invitees if i.betrokkene_id == inge] == [True]  # as it was
    await services.overleggen.set_must_attend(own, hid, oid, inge, False)
    view = await services.overleggen.get(own, hid, oid)
    assert [i.must_attend for i in view.invitees if i.betrokkene_id == inge] == [False]


# -- date polls -------------------------------------------------------------------------------------------------
def _poll_body(demo: dict[str, Any], clock) -> dict[str, Any]:
    invitee = {"betrokkene_id": demo["by_name"][INGE]["id"], "must_attend": True}
    return {"type": "voortgangsoverleg", "options": [_slot(clock, 48), _slot(clock, 72)], "invitees": [invitee]}


async def test_an_issued_token_opens_no_date_poll(client, demo, services, clock):
    token = await _token_for_sanne(client, demo, services)
    sanne = Principal(demo["regisseur"]["id"], demo["household"]["id"])
    await _forbidden(await client.post(hh(demo, "/polls"), json=_poll_body(demo, clock), headers=token))
    assert await services.polls.open_polls(sanne, demo["household"]["id"]) == []
    own = await client.post(hh(demo, "/polls"), json=_poll_body(demo, clock), headers=bearer(demo["regisseur"]))
    assert own.status == 201, await own.text()
    assert len(await services.polls.open_polls(sanne, demo["household"]["id"])) == 1


async def test_an_issued_token_picks_no_date(client, demo, services, clock):
    created = await client.post(hh(demo, "/polls"), json=_poll_body(demo, clock), headers=bearer(demo["regisseur"]))
    poll = await created.json()
    token = await _token_for_sanne(client, demo, services)
    url, pick = hh(demo, f"/polls/{poll['id']}/pick"), {"option_id": poll["options"][0]["id"]}
    before = await _get(client, demo, "/overleggen")
    await _forbidden(await client.post(url, json=pick, headers=token))
    assert (await _get(client, demo, f"/polls/{poll['id']}"))["open"] is True
    assert await _get(client, demo, "/overleggen") == before  # no overleg planned in Sanne's name
    own = await client.post(url, json=pick, headers=bearer(demo["regisseur"]))
    assert own.status == 201, await own.text()
    assert (await _get(client, demo, f"/polls/{poll['id']}"))["open"] is False


# -- stagnatie ----------------------------------------------------------------------------------------------------
async def test_an_issued_token_opens_no_stagnation_case(client, demo, services):
    token = await _token_for_sanne(client, demo, services)
    await _forbidden(await client.post(hh(demo, "/stagnatie"), json=CASE, headers=token))
    assert (await _get(client, demo, "/stagnatie"))["cases"] == []
    own = await client.post(hh(demo, "/stagnatie"), json=CASE, headers=bearer(demo["regisseur"]))
    assert own.status == 201, await own.text()
    assert (await own.json())["opened_by"] == demo["regisseur"]["id"]


async def test_an_issued_token_moves_no_stagnation_case(client, demo, services):
    """Escalating, an outcome and commitment each record a step in the actor's name: all refused, the case as it
    was; Sanne's own credential does each."""
    reg = bearer(demo["regisseur"])
    opened = await client.post(hh(demo, "/stagnatie"), json=CASE, headers=reg)
    cid = (await opened.json())["id"]
    url = hh(demo, f"/stagnatie/{cid}")
    token = await _token_for_sanne(client, demo, services)
    steps: list[tuple[str, dict[str, Any] | None]] = [
        ("/escaleren", None),
        ("/uitkomst", {"soort": "intern_plan"}),
        ("/commitment", {"afspraken": "Mentor belt elke week", "plan_version": 1}),
    ]
    for path, body in steps:
        before = await _get(client, demo, f"/stagnatie/{cid}")
        await _forbidden(await client.post(url + path, json=body, headers=token))
        assert await _get(client, demo, f"/stagnatie/{cid}") == before  # nothing recorded in Sanne's name
        own = await client.post(url + path, json=body, headers=reg)
        assert own.status == 200, await own.text()
    case = await _get(client, demo, f"/stagnatie/{cid}")
    assert (case["step"], case["status"], case["steps"][1]["intern_plan_on"] is not None) == (2, "opgelost", True)


# -- betrokkenen: who is involved, and in what role, decides who may see what ------------------------------------
async def test_an_issued_token_adds_changes_and_removes_no_betrokkene(client, demo, services):
    token = await _token_for_sanne(client, demo, services)
    reg, inge = bearer(demo["regisseur"]), demo["by_name"][INGE]["id"]
    before = await _get(client, demo, "/betrokkenen")
    body = {"name": "Piet Jansen", "kind": "netwerk", "role": "netwerklid"}
    await _forbidden(await client.post(hh(demo, "/betrokkenen"), json=body, headers=token))
    await _forbidden(await client.patch(hh(demo, f"/betrokkenen/{inge}"), json={"phone": "030 7654321"}, headers=token))
    await _forbidden(await client.delete(hh(demo, f"/betrokkenen/{inge}"), headers=token))
    assert await _get(client, demo, "/betrokkenen") == before  # nobody added, changed or removed
    added = await client.post(hh(demo, "/betrokkenen"), json=body, headers=reg)
    assert added.status == 201, await added.text()
    changed = await client.patch(hh(demo, f"/betrokkenen/{inge}"), json={"phone": "030 7654321"}, headers=reg)
    assert changed.status == 200 and (await changed.json())["phone"] == "030 7654321"
    removed = await client.delete(hh(demo, f"/betrokkenen/{inge}"), headers=reg)
    assert removed.status == 204, await removed.text()


# -- API tokens ---------------------------------------------------------------------------------------------------
async def test_an_issued_token_neither_issues_nor_revokes_tokens(client, demo, services):
    """A token in Sanne's name mints no token for Fatima, and revokes none: Fatima's keeps working."""
    token = await _token_for_sanne(client, demo, services)
    reg, fatima = bearer(demo["regisseur"]), demo["by_name"]["Fatima El Amrani"]["id"]
    await _forbidden(await client.post(hh(demo, f"/betrokkenen/{fatima}/token"), headers=token))
    own = await client.post(hh(demo, f"/betrokkenen/{fatima}/token"), headers=reg)
    assert own.status == 201, await own.text()
    fatimas = {"Authorization": f"Bearer {(await own.json())['token']}"}
    url = hh(demo, f"/tokens/{(await own.json())['jti']}")
    await _forbidden(await client.delete(url, headers=token))
    assert (await client.get(hh(demo), headers=fatimas)).status == 200  # not revoked
    revoked = await client.delete(url, headers=reg)
    assert revoked.status == 204, await revoked.text()
    assert (await client.get(hh(demo), headers=fatimas)).status == 401


# -- calendar links -----------------------------------------------------------------------------------------------
async def test_an_issued_token_stops_nobodys_calendar_link(client, demo, services):
    hid, inge = demo["household"]["id"], demo["by_name"][INGE]["id"]
    sanne = Principal(demo["regisseur"]["id"], hid)
    await services.calendar_feeds.create(Principal(inge, hid), hid)
    token = await _token_for_sanne(client, demo, services)
    url = hh(demo, f"/betrokkenen/{inge}/calendar-feed")
    await _forbidden(await client.delete(url, headers=token))
    assert inge in await services.calendar_feeds.holders(sanne, hid)  # Inge's link still works
    own = await client.delete(url, headers=bearer(demo["regisseur"]))
    assert own.status == 200 and (await own.json())["stopped"] is True
    assert inge not in await services.calendar_feeds.holders(sanne, hid)


# -- mail: groups decide who receives plan mail, a pinned key who can read a person's mail ------------------------
async def test_an_issued_token_manages_no_mail_group(client, demo, services):
    token, reg = await _token_for_sanne(client, demo, services), bearer(demo["regisseur"])
    body = {"slug": "kern", "name": "Kern", "members": [demo["regisseur"]["id"]], "plan_updates": True}
    before = await _get(client, demo, "/mail/groups")
    await _forbidden(await client.post(hh(demo, "/mail/groups"), json=body, headers=token))
    assert await _get(client, demo, "/mail/groups") == before
    created = await client.post(hh(demo, "/mail/groups"), json=body, headers=reg)
    assert created.status == 201, await created.text()
    url, before = hh(demo, f"/mail/groups/{(await created.json())['id']}"), await _get(client, demo, "/mail/groups")
    await _forbidden(await client.delete(url, headers=token))
    assert await _get(client, demo, "/mail/groups") == before  # the group still gets the plan mail
    assert (await client.delete(url, headers=reg)).status == 204


async def test_an_issued_token_pins_and_unpins_nobodys_key(client, demo, services):
    """Refused before the key is even read; Sanne's own credential gets past the check (here to the
    keyring, which these tests leave unconfigured: 422 naming it, not 403)."""
    token, inge = await _token_for_sanne(client, demo, services), demo["by_name"][INGE]["id"]
    url = hh(demo, f"/betrokkenen/{inge}/key")
    await _forbidden(await client.put(url, json={"armored": "-----BEGIN PGP PUBLIC KEY BLOCK-----"}, headers=token))
    await _forbidden(await client.delete(url, headers=token))
    assert (await client.get(url, headers=bearer(demo["regisseur"]))).status == 404  # no key pinned
    own = await client.put(
        url, json={"armored": "-----BEGIN PGP PUBLIC KEY BLOCK-----"}, headers=bearer(demo["regisseur"])
    )
    assert own.status == 422, await own.text()
