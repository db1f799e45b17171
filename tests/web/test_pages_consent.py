"""Wie ziet wat: the klant's matrix is the one policy's answer; requests are answered and revoked on the page."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import timedelta

import pytest
from support.helpers import bearer, patch_plan, plan_url
from support.outbox_kills import outbox_rows
from support.pagekit import csrf_of, sign_in

from eenplan.config import Settings
from eenplan.domain.access import Principal

FATIMA = "fatima@example.org"
YOUSSEF = "youssef@example.org"
KHADIJA = "khadija@example.org"
MARKER = "MARKER-KRACHTEN-PAGINA-5d1e"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second factor here: these tests are about consent (factors have their own tests)."""
    return dataclasses.replace(settings, second_factor="off")


def hh(demo, suffix=""):
    return f"/api/households/{demo['household']['id']}{suffix}"


def page_of(demo) -> str:
    return f"/huishoudens/{demo['household']['id']}/wie-ziet-wat"


async def _request(client, demo, clock, by="Joost Willems", grantee="Joost Willems", sections=("krachten_zorgen",)):
    body = {
        "grantee_id": demo["by_name"][grantee]["id"],
        "sections": list(sections),
        "purpose": "hulp bij schulden",
        "until": (clock.today() + timedelta(days=30)).isoformat(),
    }
    resp = await client.post(hh(demo, "/toestemmingen"), json=body, headers=bearer(demo["by_name"][by]))
    assert resp.status == 201, await resp.text()
    return await resp.json()


async def _answer_on_page(client, capsys, demo, email, consent_id, besluit="ja"):
    await sign_in(client, capsys, email)
    shown = await (await client.get(page_of(demo))).text()
    assert f"/wie-ziet-wat/{consent_id}/antwoord" in shown  # the form is offered to a klant who must answer
    csrf = await csrf_of(client, page_of(demo))
    resp = await client.post(
        f"{page_of(demo)}/{consent_id}/antwoord", data={"besluit": besluit, "csrf": csrf}, allow_redirects=False
    )
    assert resp.status == 303 and resp.headers["Location"] == f"{page_of(demo)}?gedaan={besluit}"
    return resp


def _notices(rows, recipient_id):
    return [r for r in rows if r.recipient_id == recipient_id and r.dedupe_key.startswith("toestemming:")]


async def test_the_matrix_is_the_policys_answer_for_every_betrokkene(client, services, demo, clock, capsys):
    consent = await _request(client, demo, clock, sections=("analyse", "krachten_zorgen"))
    for name in ("Fatima El Amrani", "Youssef El Amrani"):
        resp = await client.post(
            hh(demo, f"/toestemmingen/{consent['id']}/antwoord"),
            json={"besluit": "ja", "wijze": "schriftelijk"},
            headers=bearer(demo["by_name"][name]),
        )
        assert resp.status == 200
    household_id = demo["household"]["id"]
    fatima = demo["by_name"]["Fatima El Amrani"]
    view = await services.consent_matrix.matrix(Principal(fatima["id"], household_id), household_id)
    assert {r.person.id for r in view.rows} == {b["id"] for b in demo["betrokkenen"]}
    for row in view.rows:
        expected = await services.plan.access(Principal(row.person.id, household_id), household_id)
        assert {c.section: c.level for c in row.cells} == expected.levels, row.person.name
        for cell in row.cells:
            assert tuple(g.raw for g in cell.grounds) == (
                (expected.grounds[cell.section],) if cell.section in expected.grounds else ()
            )

    await sign_in(client, capsys, FATIMA)
    resp = await client.get(page_of(demo))
    text = await resp.text()
    assert resp.status == 200
    assert '<th class="utrecht-table__header-cell" scope="row">Analyse en gewenst perspectief</th>' in text
    assert "Fatima El Amrani en Youssef El Amrani hebben toestemming gegeven: &#39;hulp bij schulden&#39;" in text
    assert "Als hulpverlener mag Inge Bakker het algemene deel zien" in text
    assert "Het plan gaat over u. U mag het hele plan zien." in text  # her own row speaks to her


@pytest.mark.parametrize("email", [KHADIJA, "j.willems@shv.example.org"])
async def test_only_a_klant_sees_who_sees_what(client, demo, capsys, email):
    await sign_in(client, capsys, email)
    resp = await client.get(page_of(demo))
    assert resp.status == 403 and "Geen toegang" in await resp.text()


async def test_consent_flow_on_the_page_request_notices_answers_revoke(client, services, demo, clock, capsys):
    assert (
        await patch_plan(client, demo, {"krachten_zorgen": [{"leefgebied": "werk", "krachten": [MARKER]}]}, version=2)
    ).status == 200
    joost = demo["by_name"]["Joost Willems"]
    assert MARKER not in await (await client.get(plan_url(demo), headers=bearer(joost))).text()
    consent = await _request(client, demo, clock)
    household_id = demo["household"]["id"]
    rows = await outbox_rows(services, household_id)
    for name in ("Fatima El Amrani", "Youssef El Amrani"):
        (notice,) = _notices(rows, demo["by_name"][name]["id"])
        payload = json.loads(notice.payload)
        assert payload["link"].endswith(f"/huishoudens/{household_id}/wie-ziet-wat")
        assert "schulden" not in notice.payload and "Joost" not in notice.payload  # content-free
        assert "krachten" not in notice.payload.lower()
    assert not _notices(rows, demo["by_name"]["Khadija El Amrani"]["id"])  # not asked: not told

    await _answer_on_page(client, capsys, demo, FATIMA, consent["id"])
    assert MARKER not in await (await client.get(plan_url(demo), headers=bearer(joost))).text()  # one of two
    text = await (await client.get(page_of(demo))).text()
    assert "Wacht op het antwoord van Youssef El Amrani." in text
    assert "Wie moet antwoorden: u en Youssef El Amrani" in text
    assert f"/wie-ziet-wat/{consent['id']}/antwoord" not in text  # she answered: no form any more

    await _answer_on_page(client, capsys, demo, YOUSSEF, consent["id"])
    assert MARKER in await (await client.get(plan_url(demo), headers=bearer(joost))).text()
    (decided,) = _notices(await outbox_rows(services, household_id), joost["id"])
    assert json.loads(decided.payload)["link"].endswith(f"/huishoudens/{household_id}")

    await sign_in(client, capsys, FATIMA)
    text = await (await client.get(page_of(demo))).text()
    step = f"{page_of(demo)}/{consent['id']}/intrekken"
    assert f'href="{step}"' in text  # a link to the confirmation step, not a button that acts at once
    # a post without the step's confirmation changes nothing: the step again
    resp = await client.post(step, data={"csrf": await csrf_of(client, page_of(demo))}, allow_redirects=False)
    assert resp.status == 200 and 'name="zeker" value="ja"' in await resp.text()
    assert MARKER in await (await client.get(plan_url(demo), headers=bearer(joost))).text()
    confirm = await client.get(step)
    assert confirm.status == 200
    confirm_text = await confirm.text()
    assert "Weet u het zeker? Daarna mag Joost Willems deze delen niet meer lezen." in confirm_text
    assert 'name="zeker" value="ja"' in confirm_text
    resp = await client.post(step, data={"csrf": await csrf_of(client, step), "zeker": "ja"}, allow_redirects=False)
    assert resp.status == 303
    assert MARKER not in await (await client.get(plan_url(demo), headers=bearer(joost))).text()
    assert len(_notices(await outbox_rows(services, household_id), joost["id"])) == 2  # and told of it
    done = await (await client.get(resp.headers["Location"])).text()
    assert "De toestemming is ingetrokken. Vanaf nu ziet Joost Willems dit niet meer." in done
    assert "die persoon" not in done
    assert (await client.get(step)).status == 404  # nothing left to revoke


async def test_a_form_without_its_token_changes_nothing(client, services, demo, clock, capsys):
    consent = await _request(client, demo, clock)
    await sign_in(client, capsys, FATIMA)
    resp = await client.post(f"{page_of(demo)}/{consent['id']}/antwoord", data={"besluit": "ja"})
    assert resp.status == 403
    listed = await (
        await client.get(
            hh(demo, f"/toestemmingen/{consent['id']}"), headers=bearer(demo["by_name"]["Fatima El Amrani"])
        )
    ).json()
    assert listed["approvals"] == []


async def test_a_netwerk_member_cannot_answer_for_the_klant(client, demo, clock, capsys):
    consent = await _request(client, demo, clock)
    await sign_in(client, capsys, KHADIJA)
    csrf = await csrf_of(client, "/huishoudens")
    resp = await client.post(f"{page_of(demo)}/{consent['id']}/antwoord", data={"besluit": "ja", "csrf": csrf})
    assert resp.status == 403


async def test_the_klant_sets_what_the_aanspreekpunt_does_not_see(client, services, demo, capsys):
    await sign_in(client, capsys, FATIMA)
    csrf = await csrf_of(client, page_of(demo))
    resp = await client.post(
        f"{page_of(demo)}/uitsluitingen",
        data=[("deel", "analyse"), ("deel", "veiligheidsplan"), ("csrf", csrf)],
        allow_redirects=False,
    )
    assert resp.status == 303
    text = await (await client.get(resp.headers["Location"])).text()
    assert re.search(r'id="deel-analyse" value="analyse" checked', text)
    assert "Nu niet te zien voor het aanspreekpunt: Analyse en gewenst perspectief, Veiligheidsplan." in text
    assert 'value="algemeen"' not in text  # algemeen cannot be kept back


async def test_nee_on_the_page_declines_and_tells_the_requester(client, services, demo, clock, capsys):
    consent = await _request(client, demo, clock)
    await _answer_on_page(client, capsys, demo, YOUSSEF, consent["id"], besluit="nee")
    fatima = demo["by_name"]["Fatima El Amrani"]
    listed = await (await client.get(hh(demo, f"/toestemmingen/{consent['id']}"), headers=bearer(fatima))).json()
    assert listed["status"] == "geweigerd" and listed["waiting_for"] == []
    rows = await outbox_rows(services, demo["household"]["id"])
    assert len(_notices(rows, demo["by_name"]["Joost Willems"]["id"])) == 1
    await sign_in(client, capsys, FATIMA)
    text = await (await client.get(page_of(demo))).text()
    assert f"/wie-ziet-wat/{consent['id']}/antwoord" not in text  # decided: nobody answers any more
    assert "Joost Willems: 'hulp bij schulden', geweigerd." in text


async def test_an_answer_that_is_neither_ja_nor_nee_changes_nothing(client, demo, clock, capsys):
    consent = await _request(client, demo, clock)
    await sign_in(client, capsys, FATIMA)
    csrf = await csrf_of(client, page_of(demo))
    resp = await client.post(f"{page_of(demo)}/{consent['id']}/antwoord", data={"besluit": "ja ", "csrf": csrf})
    assert resp.status == 400
    fatima = demo["by_name"]["Fatima El Amrani"]
    listed = await (await client.get(hh(demo, f"/toestemmingen/{consent['id']}"), headers=bearer(fatima))).json()
    assert listed["approvals"] == [] and listed["status"] == "aangevraagd"


async def test_a_stranger_posting_an_answer_without_a_decision_gets_the_404_of_a_missing_household(
    client, demo, capsys
):
    """Membership is checked before the form: a household that is not yours answers like one that does not exist
    (the decision was checked first and answered 400)."""
    from support.pagekit import csrf_of as _csrf
    from support.pagekit import sign_in as _sign_in

    await _sign_in(client, capsys, "fatima@example.org")
    missing = "00000000-0000-0000-0000-000000000000"
    token = await _csrf(client, "/huishoudens")
    answer = await client.post(f"/huishoudens/{missing}/wie-ziet-wat/x/antwoord", data={"csrf": token})
    assert answer.status == 404
