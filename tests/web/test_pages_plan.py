"""Ons plan (issue 12 item 1): the caller's scoped plan, readable, logged on the web; and its PDF."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from support.mail_helpers import pdf_text
from support.pagekit import sign_in
from support.plan_kit import FATIMA, KHADIJA, page_text, regisseur, words

from eenplan.config import Settings
from eenplan.domain.audit import Channel, Event
from eenplan.services.households import NewHousehold, RegisseurDetails

MARKER = "ZEGEL-7731-analyse"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second factor: these tests are about what a person sees of the plan (factors: their own tests)."""
    return dataclasses.replace(settings, second_factor="off")


async def _plan_text(client, demo) -> str:
    return await page_text(client, demo, "plan")


async def _write_marker(services, demo) -> None:
    await services.plan.change(
        regisseur(demo), demo["household"]["id"], None, {"analyse": {"analyse": MARKER, "gewenst_perspectief": ""}}
    )


async def test_the_grandmother_never_sees_a_section_the_mother_did_not_share(client, services, demo, capsys):
    await _write_marker(services, demo)
    await sign_in(client, capsys, KHADIJA)
    text = await _plan_text(client, demo)
    assert MARKER not in text
    assert "Geldzorgen" not in text and "Achterstand huur" not in text  # analyse and krachten/zorgen: absent
    assert "Gesprek met mentor" not in text and "Budgetplan opstellen" not in text  # others' actions
    assert "Samen de post ordenen" in text  # her own action, and it says she does it
    assert '<dd class="utrecht-data-list__item-value">U</dd>' in text
    assert "Fatima El Amrani en Youssef El Amrani delen dit deel niet met u." in text  # the klanten who decide
    assert "U ziet hier alleen de acties die u zelf doet." in text
    pdf = await client.get(f"/huishoudens/{demo['household']['id']}/plan.pdf")
    assert pdf.status == 200 and pdf.content_type == "application/pdf"
    body = pdf_text(await pdf.read())
    assert MARKER not in body and "Geldzorgen" not in body
    assert "Samen de post ordenen" in body


async def test_the_mother_reads_everything_with_names_and_dates_in_words(client, services, demo, capsys, clock):
    await _write_marker(services, demo)
    await sign_in(client, capsys, FATIMA)
    text = await _plan_text(client, demo)
    assert MARKER in text and "Achterstand huur en energie" in text
    assert "deelt dit deel niet" not in text and "delen dit deel niet" not in text
    assert "Joost Willems" in text and demo["by_name"]["Joost Willems"]["id"] not in text  # names, not ids
    today = clock.today()  # the demo's day: Amsterdam's, on the services' clock
    assert words(today + timedelta(days=30)) in text  # budgetplan's einde, e.g. "maandag 7 december 2026"
    assert "Versie 3" in text or "versie 3" in text
    assert "nog niet vastgesteld" in text
    # the actions of a goal in order, each headed by what it is, with wie, start, einde, evaluatie in that order
    budget = text.index('<h4 class="utrecht-heading-4">Budgetplan opstellen met Fatima</h4>')
    post = text.index('<h4 class="utrecht-heading-4">Samen de post ordenen</h4>')
    assert budget < post
    block = text[budget:post]
    fields = [block.index(f) for f in ("Wie", "Start", "Einde", "Evaluatie")]
    assert fields == sorted(fields)
    pdf = pdf_text(await (await client.get(f"/huishoudens/{demo['household']['id']}/plan.pdf")).read())
    assert MARKER in pdf
    start, einde = pdf.index("Start: " + words(today)), pdf.index("Einde: " + words(today + timedelta(days=30)))
    assert start < einde  # the section's own order, not the alphabet (einde before start)


async def test_a_vastgestelde_version_says_so(client, services, demo, capsys, clock):
    await services.plan_deadlines.adopt_at(regisseur(demo), demo["household"]["id"], 2, None)
    await sign_in(client, capsys, FATIMA)
    text = await _plan_text(client, demo)
    assert "Deze versie is vastgesteld op " + words(clock.today()) in text  # Amsterdam's day, as the server counts


async def test_reading_the_plan_page_is_logged_on_the_web_with_the_sections_shown(client, services, demo, capsys):
    await sign_in(client, capsys, KHADIJA)
    await _plan_text(client, demo)
    await client.get(f"/huishoudens/{demo['household']['id']}/plan.pdf")
    khadija = demo["by_name"]["Khadija El Amrani"]["id"]
    async with services.plan._uow() as uow:
        entries = [e for _, e in await uow.access_log.entries(demo["household"]["id"], limit=50)]
    web = [e for e in entries if e.actor_id == khadija and e.channel is Channel.WEB]
    assert web and web[0].event is Event.READ and web[0].detail == "versie 2"
    assert set(web[0].sections) == {"algemeen", "doelen", "afspraken"}  # what she was shown, nothing else
    pdf = [e for e in entries if e.actor_id == khadija and e.channel is Channel.PDF]
    assert pdf and pdf[0].event is Event.EXPORT and set(pdf[0].sections) == {"algemeen", "doelen", "afspraken"}


async def test_a_household_that_is_not_yours_gives_the_same_404_on_every_plan_page(client, services, demo, capsys):
    other, _ = await services.households.open(
        NewHousehold("T-9911", "Huishouden Jansen", "Utrecht"),
        RegisseurDetails(name="Piet Regisseur", email="piet@elders.example.org"),
    )
    await sign_in(client, capsys, FATIMA)
    missing = "00000000-0000-4000-8000-000000000000"
    for tail in ("plan", "plan.pdf", "veranderd", "veranderd?van=1&tot=2", "veranderd/versies"):
        theirs = await client.get(f"/huishoudens/{other.id}/{tail}")
        nobody = await client.get(f"/huishoudens/{missing}/{tail}")
        assert theirs.status == nobody.status == 404, tail
        assert await theirs.text() == await nobody.text()


async def test_one_view_rendered_for_the_mother_is_never_shown_to_the_grandmother(client, services, demo, capsys):
    """The rendered sections are remembered per view: the next reader with another decision gets her own."""
    await _write_marker(services, demo)
    await sign_in(client, capsys, FATIMA)
    assert MARKER in await _plan_text(client, demo)
    await sign_in(client, capsys, KHADIJA)
    text = await _plan_text(client, demo)
    assert MARKER not in text and "Samen de post ordenen" in text


async def test_plan_text_and_names_are_escaped(client, services, demo, capsys):
    hostile = '<script>alert("x")</script>'
    await services.plan.change(
        regisseur(demo), demo["household"]["id"], None, {"analyse": {"analyse": hostile, "gewenst_perspectief": ""}}
    )
    await sign_in(client, capsys, FATIMA)
    raw = await (await client.get(f"/huishoudens/{demo['household']['id']}/plan")).text()
    assert "<script>alert" not in raw and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in raw


async def test_a_veiligheidsplan_shows_its_scores_to_the_mother_and_not_even_its_existence_to_the_grandmother(
    client, services, demo, capsys
):
    await sign_in(client, capsys, KHADIJA)
    before = await _plan_text(client, demo)
    fatima = demo["by_name"]["Fatima El Amrani"]["id"]
    plan = {"zorgen": ["ZORG-8813"], "schaalscores": [{"betrokkene_id": fatima, "score": 6, "datum": "2026-12-07"}]}
    await services.plan.change(regisseur(demo), demo["household"]["id"], None, {"veiligheidsplan": plan})
    after = await _plan_text(client, demo)

    def safety(text: str) -> str:
        return text[text.index('id="deel-veiligheidsplan"') : text.index('id="deel-afspraken"')]

    assert safety(before) == safety(after) and "ZORG-8813" not in after
    await sign_in(client, capsys, FATIMA)
    mine = safety(await _plan_text(client, demo))
    assert "ZORG-8813" in mine and "Fatima El Amrani: 6 (maandag 7 december 2026)" in mine
