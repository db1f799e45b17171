"""The grounds of access resolved and put into words: who gave consent for what until when, who decided overmacht."""

from __future__ import annotations

from datetime import timedelta

from support.helpers import bearer

from eenplan.services.grounds import GroundKind, resolve_grounds, split_ground
from eenplan.web.pages.ground_words import day, grounds_text

QUESTIONS = {
    "doel": "Veiligheid van het kind",
    "zonder_delen": "Nee, dat kan niet",
    "toestemming_vragen": "Niet verantwoord nu",
    "afweging": "Het gevaar weegt zwaarder",
    "welke_informatie": "Alleen het algemene deel",
}


def hh(demo, suffix=""):
    return f"/api/households/{demo['household']['id']}{suffix}"


async def _granted_consent(client, demo, clock) -> dict:
    body = {
        "grantee_id": demo["by_name"]["Khadija El Amrani"]["id"],
        "sections": ["krachten_zorgen"],
        "purpose": "hulp bij schulden",
        "until": (clock.today() + timedelta(days=30)).isoformat(),
    }
    resp = await client.post(hh(demo, "/toestemmingen"), json=body, headers=bearer(demo["regisseur"]))
    assert resp.status == 201, await resp.text()
    consent = await resp.json()
    for name in ("Fatima El Amrani", "Youssef El Amrani"):
        answer = {"besluit": "ja", "wijze": "schriftelijk"}
        resp = await client.post(
            hh(demo, f"/toestemmingen/{consent['id']}/antwoord"), json=answer, headers=bearer(demo["by_name"][name])
        )
        assert resp.status == 200, await resp.text()
    return consent


async def _overmacht(client, demo, clock) -> dict:
    body = {
        "recipient_id": demo["by_name"]["Khadija El Amrani"]["id"],
        "vragen": QUESTIONS,
        "besluit": "delen",
        "sections": ["algemeen"],
        "until": (clock.today() + timedelta(days=3)).isoformat(),
    }
    resp = await client.post(hh(demo, "/overmacht"), json=body, headers=bearer(demo["by_name"]["Joost Willems"]))
    assert resp.status == 201, await resp.text()
    return await resp.json()


async def test_log_grounds_resolve_to_the_records_behind_them_and_read_as_words(client, services, demo, clock):
    consent = await _granted_consent(client, demo, clock)
    record = await _overmacht(client, demo, clock)
    joined = f"overmacht:{record['id']},toestemming:{consent['id']}"
    strings = ["klant", "standaard", "rol:procesregisseur", joined, "geen", "toestemming:gone", "escalatie:case-1"]
    async with services.consent._uow() as uow:
        resolved = await resolve_grounds(uow, demo["household"]["id"], strings)

    assert resolved["geen"] == ()
    emergency, given = resolved[joined]
    assert emergency.kind is GroundKind.OVERMACHT and emergency.emergency
    assert emergency.decided_by == "Joost Willems" and emergency.until.isoformat() == record["until"]
    assert given.kind is GroundKind.TOESTEMMING and given.purpose == "hulp bij schulden"
    assert {g.name for g in given.given_by} == {"Fatima El Amrani", "Youssef El Amrani"}
    assert resolved["toestemming:gone"][0].kind is GroundKind.ONBEKEND
    assert resolved["escalatie:case-1"][0].step == 4

    until = clock.today() + timedelta(days=30)
    words = grounds_text(resolved[joined])
    assert words[0] == f"Overmacht tot {day(emergency.until)} (besloten door Joost Willems)"
    assert words[1] == (
        f"Fatima El Amrani en Youssef El Amrani hebben toestemming gegeven: 'hulp bij schulden', tot {day(until)}"
    )
    # the default rule is what they do themselves (their own actions and agreements), not what is "about" them
    assert grounds_text(resolved["standaard"], role="hulpverlener") == [
        "Als hulpverlener mag u het algemene deel zien. Bij de doelen en afspraken ziet u alleen wat u zelf doet."
    ]
    assert grounds_text(resolved["standaard"], person="Khadija", role="netwerklid") == [
        "Als netwerklid mag Khadija het algemene deel zien. Bij de doelen en afspraken ziet Khadija alleen wat"
        " Khadija zelf doet."
    ]
    assert grounds_text(resolved["rol:procesregisseur"], person="Sanne de Vries") == [
        "Als procesregisseur mag Sanne de Vries het hele plan lezen en aanpassen."
    ]
    assert grounds_text(resolved["geen"]) == ["Er is niets uit het plan getoond."]


def test_a_stored_ground_splits_into_its_single_grounds():
    assert split_ground("geen") == ()
    assert split_ground("klant") == ("klant",)
    assert split_ground("overmacht:a,toestemming:b") == ("overmacht:a", "toestemming:b")
