"""Every overleg, date-poll, stagnatie and veiligheid route, called by every role of the demo household, shows
only the derived content that role may read (agenda and decisions of an overleg, a case's free text, a safety
signal's text), and every such disclosure is in the access log.

The routes come from the app's router, so a new route is swept without touching this test.
"""

from __future__ import annotations

import re
from datetime import timedelta

from support.helpers import bearer

AGENDA = "MX-SWEEP-AGENDA-5521"
DECISIONS = "MX-SWEEP-BESLUIT-7730"
CASE_TEXT = "MX-SWEEP-STAGNATIE-3317"
SIGNAL_TEXT = "MX-SWEEP-SIGNAAL-9045"
MARKERS = (AGENDA, DECISIONS, CASE_TEXT, SIGNAL_TEXT)

#: who may read which marker, by the method's rules (klanten read their whole plan; others need consent)
MAY_READ = {
    "regisseur": {AGENDA, DECISIONS, CASE_TEXT, SIGNAL_TEXT},
    "klant": {AGENDA, DECISIONS},
    "jeugdige": {AGENDA, DECISIONS},
    "netwerk": set(),
    "professional": set(),  # another professional, without consent
    "raiser": {SIGNAL_TEXT},  # the professional who raised the signal sees its text
}
ROLES = {
    "klant": "Fatima El Amrani",
    "jeugdige": "Youssef El Amrani",
    "netwerk": "Khadija El Amrani",
    "professional": "Inge Bakker",
    "raiser": "Joost Willems",
}
#: what a disclosure of each marker is logged as (the entry's detail or sections)
LOGGED_AS = {AGENDA: "overleg", DECISIONS: "overleg", CASE_TEXT: "stagnatie", SIGNAL_TEXT: "veiligheidssignalen"}
SWEPT = ("/overleggen", "/polls", "/stagnatie", "/veiligheid", "/aanspreekpunt")
#: bodies that make a route do its work (an empty body would be refused before anything is shown)
BODIES = {("PUT", "attendance"): {"partstat": "accepted"}, ("PUT", "votes"): None}


async def _log(services, household_id: str) -> list:
    async with services.plan._uow() as uow:
        return [e for _, e in await uow.access_log.entries(household_id, limit=10_000)]


async def _plant(client, demo, clock) -> dict[str, list[str]]:
    """A held overleg with decisions, a planned one with an agenda, a date poll, a case and a signal."""
    hh, reg = demo["household"]["id"], bearer(demo["regisseur"])
    everyone = [{"betrokkene_id": b["id"], "must_attend": False} for b in demo["betrokkenen"]]

    def overleg(start):
        return {
            "type": "voortgangsoverleg",
            "start": start.isoformat(),
            "end": (start + timedelta(hours=1)).isoformat(),
            "location": "Wijkcentrum",
            "agenda": f"Agenda {AGENDA}",
            "invitees": everyone,
        }

    held = await (
        await client.post(f"/api/households/{hh}/overleggen", json=overleg(clock.now + timedelta(hours=1)), headers=reg)
    ).json()
    clock.advance(timedelta(hours=2))
    resp = await client.post(
        f"/api/households/{hh}/overleggen/{held['id']}/close",
        headers=reg,
        json={"decisions": f"Besluit {DECISIONS}", "no_next_reason": "volgt"},
    )
    assert resp.status == 200, await resp.text()
    planned = await (
        await client.post(f"/api/households/{hh}/overleggen", headers=reg, json=overleg(clock.now + timedelta(days=14)))
    ).json()
    start = clock.now + timedelta(days=21)
    poll = await (
        await client.post(
            f"/api/households/{hh}/polls",
            headers=reg,
            json={
                "type": "voortgangsoverleg",
                "invitees": everyone,
                "options": [{"start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()}],
            },
        )
    ).json()
    resp = await client.post(
        f"/api/households/{hh}/stagnatie",
        headers=reg,
        json={
            "doel_id": "school",
            "actie_id": "mentor",
            "betrokkene_id": demo["by_name"]["Inge Bakker"]["id"],
            "toelichting": f"Geen gesprek {CASE_TEXT}",
        },
    )
    assert resp.status == 201, await resp.text()
    case = await resp.json()
    joost = bearer(demo["by_name"]["Joost Willems"])
    resp = await client.post(
        f"/api/households/{hh}/veiligheid/signalen",
        headers=joost,
        json={"soort": "onveiligheid", "toelichting": f"Gezien {SIGNAL_TEXT}"},
    )
    assert resp.status == 201, await resp.text()
    signal = await resp.json()
    return {
        "id": [hh],
        "oid": [planned["id"], held["id"]],
        "pid": [poll["id"]],
        "case": [case["id"]],
        "signal": [signal["id"]],
        "bid": [demo["regisseur"]["id"]],
        "option": [poll["options"][0]["id"]],
    }


def _routes(app) -> list[tuple[str, str]]:
    found = []
    for route in app.router.routes():
        path = route.resource.canonical if route.resource else ""
        if route.method in ("HEAD", "OPTIONS") or "{id}" not in path or not any(s in path for s in SWEPT):
            continue
        found.append((route.method, path))
    # the regisseur's cancel last: it ends the planned overleg the other calls read
    return sorted(found, key=lambda r: (r[1].endswith("/cancel"), r[1], r[0]))


def _urls(path: str, ids: dict[str, list[str]]) -> list[str]:
    names = re.findall(r"\{(\w+)(?::[^}]*)?\}", path)
    urls = [path]
    for name in names:
        urls = [
            re.sub(r"\{" + name + r"(?::[^}]*)?\}", value, u, count=1) for u in urls for value in ids.get(name, ["x"])
        ]
    return urls


async def test_every_role_sees_only_what_it_may_read_and_every_disclosure_is_logged(client, demo, services, clock):
    ids = await _plant(client, demo, clock)
    hh = demo["household"]["id"]
    people = {role: demo["by_name"][name] for role, name in ROLES.items()} | {"regisseur": demo["regisseur"]}
    routes = _routes(client.server.app)
    assert len(routes) >= 20, routes
    statuses: dict[tuple[str, str, str], int] = {}
    for role in ("netwerk", "professional", "raiser", "jeugdige", "klant", "regisseur"):
        person = people[role]
        for method, path in routes:
            for url in _urls(path, ids):
                body = BODIES.get((method, path.rsplit("/", 1)[-1]), {})
                if body is None:  # votes: one answer per option of the poll
                    body = {"votes": {ids["option"][0]: "yes"}}
                seen = len(await _log(services, hh))
                resp = await client.request(method, url, json=body, headers=bearer(person) | {"If-Match": "*"})
                text = await resp.text()
                statuses[(role, method, url)] = resp.status
                assert resp.status < 500, (role, method, url, text)
                for marker in MARKERS:
                    if marker not in MAY_READ[role]:
                        assert marker not in text, (role, method, url, marker)
                after = await _log(services, hh)  # newest first
                new = [e for e in after[: len(after) - seen] if e.actor_id == person["id"]]
                for marker in (m for m in MARKERS if m in text):
                    assert any(LOGGED_AS[marker] in e.detail for e in new), (role, method, url, marker, new)
    attendance = f"/api/households/{hh}/overleggen/{ids['oid'][0]}/attendance"
    # the sweep reached the content: the invitees answered, the regisseur saw everything it planted
    assert all(statuses[(role, "PUT", attendance)] == 200 for role in ROLES)
    assert statuses[("regisseur", "GET", f"/api/households/{hh}/stagnatie/{ids['case'][0]}")] == 200
