"""A token the regisseur issued for a betrokkene never acts *as* that person: wherever the person answers, votes,
signs, consents or chooses for themself, such a token gets 403 and nothing is written, while the person's own
credential (their own token here; a page's cookie session is one too) still works.

The sweep, route by route (the person's own record — name, phone, days, mail choice, key, the sections kept from
the aanspreekpunt — is in test_issued_token_personal_fields; the safety signal in test_log_attribution):
PUT …/overleggen/{oid}/attendance, PUT …/polls/{pid}/votes, POST …/veiligheidsplan/handtekening,
POST …/toestemmingen/{cid}/antwoord, …/bevestiging, …/intrekking, PATCH …/betrokkenen/{bid} (phone, days, mail
choice), DELETE …/betrokkenen/{bid}/key; every plan write (a version names its author: PATCH …/plan here, the item
routes, vaststellen and the deadline events in test_issued_token_plan_writes). Pages (the overleg's answer form,
the date poll, the journaal) take only a cookie session, which is always the person's own: an issued token
presented there reaches no service.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from support.helpers import bearer
from support.overleg_kit import plan_overleg

AMS = ZoneInfo("Europe/Amsterdam")
FATIMA = "Fatima El Amrani"


def hh(demo: dict[str, Any], suffix: str = "") -> str:
    return f"/api/households/{demo['household']['id']}{suffix}"


async def _issued(client, demo: dict[str, Any], name: str = FATIMA) -> dict[str, str]:
    """A token the demo regisseur issues for `name` (the machine token of services.tokens)."""
    bid = demo["by_name"][name]["id"]
    resp = await client.post(hh(demo, f"/betrokkenen/{bid}/token"), headers=bearer(demo["regisseur"]))
    assert resp.status == 201, await resp.text()
    return {"Authorization": f"Bearer {(await resp.json())['token']}"}


async def _forbidden(resp) -> None:
    assert resp.status == 403, await resp.text()
    assert "issued by someone else" in (await resp.json())["detail"]


def _answers(overleg: dict[str, Any]) -> dict[str, str]:
    return {i["betrokkene_id"]: i["partstat"] for i in overleg["invitees"]}


# -- overleggen: the invitee's answer and the date poll's vote --------------------------------------------------
async def test_an_issued_token_does_not_answer_an_invitation_for_the_person(client, demo, services):
    fatima = demo["by_name"][FATIMA]
    oid = await plan_overleg(services, demo, [(FATIMA, True), ("Inge Bakker", False)], days=10)
    url = hh(demo, f"/overleggen/{oid}")
    refused = await client.put(url + "/attendance", json={"partstat": "declined"}, headers=await _issued(client, demo))
    await _forbidden(refused)
    seen = await (await client.get(url, headers=bearer(demo["regisseur"]))).json()
    assert _answers(seen)[fatima["id"]] == "needs_action"  # nothing answered in Fatima's name
    own = await client.put(url + "/attendance", json={"partstat": "accepted"}, headers=bearer(fatima))
    assert own.status == 200, await own.text()
    assert _answers(await own.json())[fatima["id"]] == "accepted"


async def test_an_issued_token_does_not_vote_in_a_date_poll_for_the_person(client, demo, clock):
    fatima = demo["by_name"][FATIMA]
    start = (clock().astimezone(AMS) + timedelta(days=14)).replace(hour=10, minute=0, second=0, microsecond=0)
    body = {
        "type": "voortgangsoverleg",
        "options": [
            {"start": (start + timedelta(days=d)).isoformat(), "end": (start + timedelta(days=d, hours=1)).isoformat()}
            for d in (0, 1)
        ],
        "invitees": [{"betrokkene_id": fatima["id"], "must_attend": True}],
    }
    created = await client.post(hh(demo, "/polls"), json=body, headers=bearer(demo["regisseur"]))
    assert created.status == 201, await created.text()
    poll = await created.json()
    first = poll["options"][0]["id"]
    url = hh(demo, f"/polls/{poll['id']}")
    refused = await client.put(url + "/votes", json={"votes": {first: "no"}}, headers=await _issued(client, demo))
    await _forbidden(refused)
    seen = await (await client.get(url, headers=bearer(demo["regisseur"]))).json()
    assert all(opt["votes"] == {} for opt in seen["options"])  # no vote in Fatima's name
    own = await client.put(url + "/votes", json={"votes": {first: "yes"}}, headers=bearer(fatima))
    assert own.status == 200, await own.text()
    assert (await own.json())["options"][0]["votes"] == {fatima["id"]: "yes"}


# -- the klant's signature and consent answers --------------------------------------------------------------------
async def test_an_issued_token_does_not_sign_the_veiligheidsplan(client, demo):
    vp = {"zorgen": ["Spanning thuis"], "veiligheidsafspraken": ["Oma is bereikbaar"]}
    changed = await client.patch(
        hh(demo, "/plan"), json={"veiligheidsplan": vp}, headers=bearer(demo["regisseur"]) | {"If-Match": '"2"'}
    )
    assert changed.status == 200, await changed.text()
    fatima = demo["by_name"][FATIMA]
    await _forbidden(await client.post(hh(demo, "/veiligheidsplan/handtekening"), headers=await _issued(client, demo)))
    status = await (await client.get(hh(demo, "/veiligheid"), headers=bearer(fatima))).json()
    assert status["handtekening"] is None
    own = await client.post(hh(demo, "/veiligheidsplan/handtekening"), headers=bearer(fatima))
    assert own.status == 200 and (await own.json())["handtekening"]["betrokkene_id"] == fatima["id"]


async def _consent(client, demo, clock) -> str:
    body = {
        "grantee_id": demo["by_name"]["Joost Willems"]["id"],
        "sections": ["analyse"],
        "purpose": "Schuldhulp moet de analyse kennen",
        "until": (clock.today() + timedelta(days=5)).isoformat(),
        "about_id": demo["by_name"][FATIMA]["id"],
    }
    resp = await client.post(hh(demo, "/toestemmingen"), json=body, headers=bearer(demo["regisseur"]))
    assert resp.status == 201, await resp.text()
    return str((await resp.json())["id"])


async def test_an_issued_token_neither_answers_confirms_nor_revokes_consent(client, demo, clock):
    fatima = demo["by_name"][FATIMA]
    cid = await _consent(client, demo, clock)
    url = hh(demo, f"/toestemmingen/{cid}")
    token = await _issued(client, demo)
    yes = {"besluit": "ja", "wijze": "schriftelijk"}
    before = await (await client.get(url, headers=bearer(fatima))).json()
    await _forbidden(await client.post(url + "/antwoord", json=yes, headers=token))
    await _forbidden(await client.post(url + "/bevestiging", headers=token))
    assert await (await client.get(url, headers=bearer(fatima))).json() == before
    own = await client.post(url + "/antwoord", json=yes, headers=bearer(fatima))
    assert own.status == 200, await own.text()
    given = await (await client.get(url, headers=bearer(fatima))).json()
    await _forbidden(await client.post(url + "/intrekking", headers=token))
    assert await (await client.get(url, headers=bearer(fatima))).json() == given
    assert (await client.post(url + "/intrekking", headers=bearer(fatima))).status == 200


async def test_the_regisseur_records_an_answer_on_paper_as_herself(client, demo, clock):
    """Her legitimate path: a klant's answer from a signed form is recorded with her own credential and says she
    entered it (vastgelegd_door), not that it came from the klant's own hand. Attendance and votes have no such
    path: an answer given by phone is for the person to give (page, API or the invitation's mail reply)."""
    fatima, regisseur = demo["by_name"][FATIMA], demo["regisseur"]
    cid = await _consent(client, demo, clock)
    form = {"klant_id": fatima["id"], "approved": True, "form_date": clock.today().isoformat(), "form_reference": "F-1"}
    url = hh(demo, f"/toestemmingen/{cid}/formulier")
    assert (await client.post(url, json=form, headers=await _issued(client, demo, "Joost Willems"))).status == 403
    resp = await client.post(url, json=form, headers=bearer(regisseur))
    assert resp.status == 200, await resp.text()
    (approval,) = (await resp.json())["approvals"]
    assert (approval["betrokkene_id"], approval["vastgelegd_door"]) == (fatima["id"], regisseur["id"])


# -- the person's own contact and mail choices -------------------------------------------------------------------
@pytest.mark.parametrize(
    "body", [{"phone": "06 9999 0000"}, {"reachable_days": ["za"]}, {"mail_choice": "meldingen"}], ids=str
)
async def test_an_issued_token_does_not_make_the_persons_own_choices(client, demo, body):
    fatima = demo["by_name"][FATIMA]
    url = hh(demo, f"/betrokkenen/{fatima['id']}")
    before = await (await client.get(url, headers=bearer(fatima))).json()
    await _forbidden(await client.patch(url, json=body, headers=await _issued(client, demo)))
    assert await (await client.get(url, headers=bearer(fatima))).json() == before
    own = await client.patch(url, json=body, headers=bearer(fatima))
    assert own.status == 200, await own.text()
    field, value = next(iter(body.items()))
    assert (await own.json())[field] == value


async def test_an_issued_token_does_not_remove_the_persons_key(client, demo):
    fatima = demo["by_name"][FATIMA]
    await _forbidden(
        await client.delete(hh(demo, f"/betrokkenen/{fatima['id']}/key"), headers=await _issued(client, demo))
    )


# -- pages: only the person's own cookie session ------------------------------------------------------------------
async def test_an_issued_token_reaches_no_page_form(client, demo, services):
    fatima = demo["by_name"][FATIMA]
    oid = await plan_overleg(services, demo, [(FATIMA, True)], days=10)
    token = await _issued(client, demo)
    page = f"/huishoudens/{demo['household']['id']}/overleggen/{oid}"
    resp = await client.post(page + "/antwoord", data={"antwoord": "nee"}, headers=token, allow_redirects=False)
    assert resp.status in (303, 401, 403), resp.status
    seen = await (await client.get(hh(demo, f"/overleggen/{oid}"), headers=bearer(demo["regisseur"]))).json()
    assert _answers(seen)[fatima["id"]] == "needs_action"


async def test_a_plan_change_with_an_issued_token_is_not_authored_by_the_person(client, demo, clock):
    """Found by this sweep: with a write grant, a token issued for Joost wrote a plan version whose author_id was
    Joost (only the access log named the issuer). A version names its author, so every plan write needs the
    person's own credential: the issued token gets 403 and the plan stays at its version; Joost's own writes."""
    joost, fatima = demo["by_name"]["Joost Willems"], demo["by_name"][FATIMA]
    body = {
        "grantee_id": joost["id"],
        "sections": ["analyse"],
        "level": "write",
        "purpose": "Schuldhulp schrijft mee",
        "until": (clock.today() + timedelta(days=5)).isoformat(),
        "about_id": fatima["id"],
    }
    cid = (await (await client.post(hh(demo, "/toestemmingen"), json=body, headers=bearer(demo["regisseur"]))).json())[
        "id"
    ]
    answer = {"besluit": "ja", "wijze": "schriftelijk"}
    assert (await client.post(hh(demo, f"/toestemmingen/{cid}/antwoord"), json=answer, headers=bearer(fatima))).ok
    token = await _issued(client, demo, "Joost Willems")
    change = {"analyse": {"analyse": "door de machine"}}
    await _forbidden(await client.patch(hh(demo, "/plan"), json=change, headers=token | {"If-Match": '"2"'}))
    assert (await client.get(hh(demo, "/plan"), headers=bearer(joost))).headers["ETag"] == '"2"'  # nothing written
    own = await client.patch(hh(demo, "/plan"), json=change, headers=bearer(joost) | {"If-Match": '"2"'})
    assert own.status == 200, await own.text()
    assert (await own.json())["author_id"] == joost["id"]
