"""Consent notices go only to addresses that are the person's own."""

from __future__ import annotations

from datetime import timedelta

from support.helpers import bearer
from support.outbox_kills import outbox_rows


def hh(demo, suffix=""):
    return f"/api/households/{demo['household']['id']}{suffix}"


async def test_a_request_is_not_told_to_an_address_nobody_confirmed(client, services, demo, clock):
    regisseur = bearer(demo["regisseur"])
    added = await client.post(
        hh(demo, "/betrokkenen"),
        json={
            "name": "Amira El Amrani",
            "kind": "klant",
            "role": "gezinslid",
            "relation": "tante",
            "birth_date": "1990-04-01",
        },
        headers=regisseur,
    )
    assert added.status == 201, await added.text()
    amira = (await added.json())["id"]
    resp = await client.patch(hh(demo, f"/betrokkenen/{amira}"), json={"email": "amira@example.org"}, headers=regisseur)
    assert resp.status == 200, await resp.text()  # someone else added it: unconfirmed until its owner confirms
    body = {
        "grantee_id": demo["by_name"]["Joost Willems"]["id"],
        "sections": ["analyse"],
        "purpose": "hulp bij schulden",
        "until": (clock.today() + timedelta(days=30)).isoformat(),
    }
    resp = await client.post(hh(demo, "/toestemmingen"), json=body, headers=regisseur)
    consent = await resp.json()
    assert amira in consent["required_consenters"]
    told = {
        r.recipient_id
        for r in await outbox_rows(services, demo["household"]["id"])
        if r.dedupe_key.startswith("toestemming:")
    }
    assert told == {demo["by_name"]["Fatima El Amrani"]["id"], demo["by_name"]["Youssef El Amrani"]["id"]}
