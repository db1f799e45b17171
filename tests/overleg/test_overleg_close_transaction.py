"""Closing an overleg is one use case, one transaction: a refused close leaves everything as it was."""

from __future__ import annotations

from datetime import datetime, timedelta

from support.helpers import bearer, plan_url


def url(demo: dict, suffix: str = "") -> str:
    return f"/api/households/{demo['household']['id']}/overleggen{suffix}"


def voortgang(demo: dict, start: datetime) -> dict:
    return {
        "type": "voortgangsoverleg",
        "start": start.isoformat(),
        "end": (start + timedelta(hours=1)).isoformat(),
        "location": "Wijkcentrum",
        "agenda": "Doelen doorlopen",
        "invitees": [
            {"betrokkene_id": demo["by_name"][n]["id"], "must_attend": True}
            for n in ("Fatima El Amrani", "Inge Bakker")
        ],
    }


async def test_an_invalid_next_overleg_leaves_the_version_and_the_overleg_untouched(client, demo, clock, outbox):
    reg = bearer(demo["regisseur"])
    overleg = await (
        await client.post(url(demo), json=voortgang(demo, clock.now + timedelta(hours=1)), headers=reg)
    ).json()
    clock.advance(timedelta(hours=2))
    invites_before = len(await outbox(demo["household"]["id"]))
    in_the_past = voortgang(demo, clock.now - timedelta(days=1))  # a next overleg cannot start in the past
    resp = await client.post(
        url(demo, f"/{overleg['id']}/close"),
        json={"decisions": "Budgetplan akkoord", "adopted_version": 2, "next": in_the_past},
        headers=reg,
    )
    assert resp.status == 422, await resp.text()
    field = (await resp.json())["errors"][0]["field"]

    version = await (await client.get(plan_url(demo, "/versions/2"), headers=reg)).json()
    assert version["vastgesteld"] is False
    assert field.startswith("next.")  # the problem names the next overleg's field
    still = await (await client.get(url(demo, f"/{overleg['id']}"), headers=reg)).json()
    assert still["status"] == "planned" and still["decisions"] is None and still["adopted_version"] is None
    assert len(await outbox(demo["household"]["id"])) == invites_before
    listed = await (await client.get(url(demo), headers=reg)).json()
    assert [o["id"] for o in listed["overleggen"]] == [overleg["id"]]  # no next overleg was planned either

    # corrected, the same close goes through: adopted, held and the next planned, together
    nxt = voortgang(demo, clock.now + timedelta(days=42))
    resp = await client.post(
        url(demo, f"/{overleg['id']}/close"),
        json={"decisions": "Budgetplan akkoord", "adopted_version": 2, "next": nxt},
        headers=reg,
    )
    assert resp.status == 200, await resp.text()
    version = await (await client.get(plan_url(demo, "/versions/2"), headers=reg)).json()
    assert version["vastgesteld"] is True and version["vastgesteld_overleg"] == overleg["id"]


async def test_a_next_overleg_with_a_stranger_invited_is_refused_before_adopting(client, demo, clock):
    reg = bearer(demo["regisseur"])
    overleg = await (
        await client.post(url(demo), json=voortgang(demo, clock.now + timedelta(hours=1)), headers=reg)
    ).json()
    clock.advance(timedelta(hours=2))
    nxt = voortgang(demo, clock.now + timedelta(days=42))
    nxt["invitees"].append({"betrokkene_id": "00000000-0000-0000-0000-000000000000", "must_attend": False})
    resp = await client.post(
        url(demo, f"/{overleg['id']}/close"), json={"adopted_version": 2, "next": nxt}, headers=reg
    )
    assert resp.status == 422
    version = await (await client.get(plan_url(demo, "/versions/2"), headers=reg)).json()
    assert version["vastgesteld"] is False
