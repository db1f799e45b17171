"""Wie heeft ons plan bekeken: the klant (with a second factor) sees who read the plan, filtered by period and
person, with names, organisations, sections, channel, ground, and overmacht reads marked in words."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import unquote

from support.factor_pages import sign_in_by_link
from support.log_kit import FATIMA, ids, klant_with_second_factor

from eenplan.domain.access import Principal
from eenplan.domain.audit import Channel
from eenplan.domain.overmacht import QUESTIONS, Besluit

ROW = re.compile(r'<li class="eenplan-log__item">(.*?)(?=<li class="eenplan-log__item">|</ol>)', re.S)


async def test_the_klant_sees_a_professionals_read_with_name_organisation_sections_and_channel(
    client, services, demo, capsys, clock
):
    hid, joost, _inge, _fatima = ids(demo)
    await services.plan.current(Principal(joost, hid), hid, channel=Channel.MAIL)
    await klant_with_second_factor(client, capsys, clock, hid)
    resp = await client.get(f"/huishoudens/{hid}/bekeken")
    text = await resp.text()
    assert resp.status == 200, text
    rows = [r for r in ROW.findall(text) if "Joost Willems" in r]
    assert len(rows) == 1, text
    row = rows[0]
    assert "Schuldhulpverlening Zuid-Limburg" in row and "hulpverlener" in row
    assert "Algemeen en betrokkenen" in row and "per e-mail" in row and "gestuurd" in row
    assert "Als hulpverlener mag Joost Willems het algemene deel zien" in row  # the ground "standaard", in words
    assert "Noodgeval" not in row
    assert joost not in text.replace(f'value="{joost}"', "")  # ids only in the person select, never in a row


async def test_the_filter_by_person_and_period_narrows_the_list(client, services, demo, capsys, clock):
    hid, joost, inge, _fatima = ids(demo)
    await services.plan.current(Principal(joost, hid), hid)
    clock.advance(timedelta(days=3))
    await services.plan.current(Principal(inge, hid), hid)
    await klant_with_second_factor(client, capsys, clock, hid)
    base = f"/huishoudens/{hid}/bekeken"

    everyone = ROW.findall(await (await client.get(base)).text())
    assert any("Joost Willems" in r for r in everyone) and any("Inge Bakker" in r for r in everyone)

    only_joost = ROW.findall(await (await client.get(base, params={"wie": joost})).text())
    assert only_joost and all("Joost Willems" in r for r in only_joost)

    today = clock.today()
    recent = await (await client.get(base, params={"van": (today - timedelta(days=1)).isoformat()})).text()
    assert any("Inge Bakker" in r for r in ROW.findall(recent))
    assert not any("Joost Willems" in r for r in ROW.findall(recent))
    earlier = await (await client.get(base, params={"tot": (today - timedelta(days=2)).isoformat()})).text()
    assert any("Joost Willems" in r for r in ROW.findall(earlier))
    assert not any("Inge Bakker" in r for r in ROW.findall(earlier))


async def test_a_bad_date_or_an_unknown_person_answers_422_naming_the_field(client, demo, capsys, clock):
    hid, *_ = ids(demo)
    await klant_with_second_factor(client, capsys, clock, hid)
    base = f"/huishoudens/{hid}/bekeken"
    bad = await client.get(base, params={"van": "gisteren"})
    text = await bad.text()
    assert bad.status == 422 and 'id="van-fout"' in text and 'aria-invalid="true" aria-describedby="van-fout"' in text
    assert "Vul een datum in" in text
    backwards = await client.get(base, params={"van": "2026-12-07", "tot": "2026-12-01"})
    assert backwards.status == 422 and 'id="tot-fout"' in await backwards.text()
    stranger = await client.get(base, params={"wie": "iemand-anders"})
    assert stranger.status == 422 and 'id="wie-fout"' in await stranger.text()


async def test_an_overmacht_read_is_marked_in_words_and_on_behalf_of_is_named(client, services, demo, capsys, clock):
    hid, joost, inge, _fatima = ids(demo)
    regisseur = demo["regisseur"]["id"]
    await services.consent.record_overmacht(
        Principal(regisseur, hid),
        hid,
        recipient_id=inge,
        answers=dict.fromkeys(QUESTIONS, "Omdat het nodig is."),
        besluit=Besluit.DELEN,
        sections=["veiligheidsplan"],
        until=None,
    )
    await services.plan.current(Principal(inge, hid), hid)
    await services.plan.current(Principal(joost, hid, issued_by=regisseur), hid)  # a token Sanne issued for Joost
    await klant_with_second_factor(client, capsys, clock, hid)
    text = await (await client.get(f"/huishoudens/{hid}/bekeken")).text()
    rows = ROW.findall(text)
    (emergency,) = [r for r in rows if "Noodgeval (overmacht):" in r]
    assert "Inge Bakker" in emergency and "utrecht-alert--warning" in emergency and "Veiligheidsplan" in emergency
    assert "Overmacht tot" in emergency and "(besloten door Sanne de Vries)" in emergency
    (behalf,) = [r for r in rows if "namens Joost Willems" in r]
    assert "Sanne de Vries" in behalf and "Noodgeval" not in behalf and "mag Joost Willems" in behalf


async def test_a_klant_without_a_second_factor_is_sent_to_the_second_step(client, demo, capsys):
    hid, *_ = ids(demo)
    await sign_in_by_link(client, capsys, FATIMA)
    resp = await client.get(f"/huishoudens/{hid}/bekeken", allow_redirects=False)
    assert resp.status == 303
    assert unquote(resp.headers["Location"]) == f"/inloggen/tweede-stap?next=/huishoudens/{hid}/bekeken"


async def test_older_entries_are_on_the_next_page(client, services, demo, capsys, clock):
    hid, joost, _inge, _fatima = ids(demo)
    for _ in range(55):
        await services.plan.current(Principal(joost, hid), hid)
    await klant_with_second_factor(client, capsys, clock, hid)
    first = await (await client.get(f"/huishoudens/{hid}/bekeken", params={"wie": joost})).text()
    assert len(ROW.findall(first)) == 50
    older = re.search(r'href="(/huishoudens/[^"]+voor=\d+)"', first)
    assert older, "no link to the older entries"
    second = await (await client.get(older.group(1).replace("&amp;", "&"))).text()
    assert len(ROW.findall(second)) == 5 and "Naar het nieuwste" in second
