"""Who the access log names (NEN 7513: the user, and on whose behalf the user acted).

A token a regisseur issues for a betrokkene acts within that betrokkene's access, but the user is the
issuer: every entry made with it names the issuer as the actor and the betrokkene as `on_behalf_of`.
With the person's own token the person is the actor and acts for no one else. Authoring a meldcode
signal is the professional's own act: an issued token cannot raise one.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from support.helpers import bearer, plan_url


def hh(demo, suffix=""):
    return f"/api/households/{demo['household']['id']}{suffix}"


async def _issued(client, demo, name: str) -> dict[str, str]:
    """A token the regisseur issues for `name`, as request headers."""
    person = demo["by_name"][name]
    resp = await client.post(hh(demo, f"/betrokkenen/{person['id']}/token"), headers=bearer(demo["regisseur"]))
    assert resp.status == 201, await resp.text()
    return {"Authorization": f"Bearer {(await resp.json())['token']}"}


async def _log(client, demo) -> list[dict]:
    resp = await client.get(hh(demo, "/toegangslog?limit=500"), headers=bearer(demo["by_name"]["Fatima El Amrani"]))
    assert resp.status == 200
    return (await resp.json())["entries"]


async def _new_entries(client, demo, before: int) -> list[dict]:
    entries = await _log(client, demo)
    return entries[: len(entries) - before]


async def test_reads_with_an_issued_token_name_the_issuer_acting_for_the_subject(client, demo):
    fatima, sanne = demo["by_name"]["Fatima El Amrani"], demo["regisseur"]
    token = await _issued(client, demo, "Fatima El Amrani")
    before = len(await _log(client, demo))
    for path in (
        plan_url(demo),
        plan_url(demo, "/versions/1"),
        plan_url(demo, "/diff?from=1&to=2"),
        hh(demo, "/plan.pdf"),
    ):
        resp = await client.get(path, headers=token)
        assert resp.status == 200, (path, await resp.text())
    new = await _new_entries(client, demo, before)
    assert len(new) == 4
    assert {(e["event"], e["detail"]) for e in new} == {
        ("read", "versie 2"),
        ("read", "versie 1"),
        ("read", "diff 1-2"),
        ("export", "versie 2"),
    }
    for e in new:
        assert (e["actor_id"], e["on_behalf_of"]) == (sanne["id"], fatima["id"]), e
        assert e["ground"] == "klant"  # the access decision stays the subject's


async def test_reads_with_the_persons_own_token_act_for_no_one_else(client, demo):
    fatima = demo["by_name"]["Fatima El Amrani"]
    before = len(await _log(client, demo))
    for path in (
        plan_url(demo),
        plan_url(demo, "/versions/1"),
        plan_url(demo, "/diff?from=1&to=2"),
        hh(demo, "/plan.pdf"),
    ):
        assert (await client.get(path, headers=bearer(fatima))).status == 200
    new = await _new_entries(client, demo, before)
    assert len(new) == 4
    assert all((e["actor_id"], e["on_behalf_of"]) == (fatima["id"], None) for e in new)


async def test_an_overleg_agenda_read_with_an_issued_token_names_the_issuer(client, demo, clock):
    fatima, sanne = demo["by_name"]["Fatima El Amrani"], demo["regisseur"]
    start = clock.now + timedelta(days=14)
    resp = await client.post(
        hh(demo, "/overleggen"),
        headers=bearer(sanne),
        json={
            "type": "voortgangsoverleg",
            "start": start.isoformat(),
            "end": (start + timedelta(hours=1)).isoformat(),
            "location": "Wijkcentrum",
            "agenda": "Agenda",
            "invitees": [{"betrokkene_id": fatima["id"], "must_attend": True}],
        },
    )
    assert resp.status == 201, await resp.text()
    overleg = await resp.json()
    token = await _issued(client, demo, "Fatima El Amrani")
    for headers, expected in ((token, (sanne["id"], fatima["id"])), (bearer(fatima), (fatima["id"], None))):
        before = len(await _log(client, demo))
        resp = await client.get(hh(demo, f"/overleggen/{overleg['id']}"), headers=headers)
        assert resp.status == 200 and (await resp.json())["agenda"] == "Agenda"
        new = await _new_entries(client, demo, before)
        assert [e["detail"] for e in new] == [f"overleg {overleg['id']}: agenda"]
        assert (new[0]["actor_id"], new[0]["on_behalf_of"]) == expected


async def test_an_issued_token_cannot_raise_a_safety_signal(client, demo):
    joost = demo["by_name"]["Joost Willems"]
    body = {"soort": "onveiligheid", "toelichting": "Gezien"}
    signals = hh(demo, "/veiligheid/signalen")
    refused = await client.post(signals, json=body, headers=await _issued(client, demo, "Joost Willems"))
    assert refused.status == 403
    assert "issued by someone else" in (await refused.json())["detail"]
    listed = await client.get(signals, headers=bearer(demo["regisseur"]))
    assert (await listed.json())["signalen"] == []  # nothing raised in Joost's name
    own = await client.post(signals, json=body, headers=bearer(joost))
    assert own.status == 201 and (await own.json())["raised_by"] == joost["id"]


def test_services_build_log_entries_through_actor_fields():
    """Every access-log entry a service builds for a caller names actor and on_behalf_of by `actor_fields`:
    a module that constructs an AccessEvent must use it (households.py: the opening regisseur's own create
    entry of a brand-new household)."""
    services = Path(__file__).resolve().parents[2] / "server" / "eenplan" / "services"
    allowed = {"households.py"}
    for module in sorted(services.glob("*.py")):
        text = module.read_text()
        if module.name in allowed or not re.search(r"\bAccessEvent\(", text):
            continue
        assert "actor_fields(" in text, f"{module.name} builds an AccessEvent without actor_fields"
