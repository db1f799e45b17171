"""The journaal page (issue 14 item 6): the messages of the groups one is a member of, newest first, the author's
name and the date in words, the text escaped with its line breaks kept — and each showing access-logged (web)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from support.pagekit import CSRF, sign_in

from eenplan.config import Settings
from eenplan.domain.access import Principal
from eenplan.domain.journaal import JournaalMessage
from eenplan.domain.mailgroup import OutboxKind
from eenplan.services.households import NewHousehold, RegisseurDetails
from eenplan.storage.tables_access import AccessLogRow
from eenplan.storage.tables_mail import OutboxRow

KHADIJA, WILLEMS, FATIMA = "khadija@example.org", "j.willems@shv.example.org", "fatima@example.org"
HOSTILE = 'Eerste regel <b>vet</b> & "zo"\nTweede regel\n\nNieuwe alinea'


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second factor: these tests are about who reads which message."""
    return dataclasses.replace(settings, second_factor="off")


@pytest.fixture
async def messages(services, demo) -> dict[str, str]:
    """One message to everyone (Fatima, yesterday) and a newer one to the named group 'familie' (Fatima, Khadija)."""
    hid, people = demo["household"]["id"], demo["by_name"]
    regisseur = Principal(demo["regisseur"]["id"], hid, second_factor=True)
    family = [people["Fatima El Amrani"]["id"], people["Khadija El Amrani"]["id"]]
    group = await services.mailgroup.add_group(regisseur, hid, "familie", "Familie", family, False)
    fatima = people["Fatima El Amrani"]["id"]
    made = {
        "all": JournaalMessage(
            "m-all", hid, None, fatima, datetime(2026, 12, 7, 9, 30, tzinfo=UTC), HOSTILE, "Rapport"
        ),
        "family": JournaalMessage(
            "m-family", hid, group.id, fatima, datetime(2026, 12, 8, 10, 0, tzinfo=UTC), "Alleen voor de familie."
        ),
    }
    async with services.plan._uow(write=True) as uow:
        for key, message in made.items():
            assert await uow.journaal.add(message, key.ljust(64, "0"))
        await uow.commit()
    return {k: m.id for k, m in made.items()}


async def web_reads(services, hid: str) -> list[tuple[str | None, str]]:
    async with services.plan._uow() as uow:
        rows = await uow.session.execute(
            sa.select(AccessLogRow.actor_id, AccessLogRow.detail).where(
                AccessLogRow.household_id == hid, AccessLogRow.channel == "web"
            )
        )
        return [(r[0], r[1]) for r in rows if str(r[1]).startswith("journaal")]


async def test_a_member_of_both_groups_reads_both_newest_first_escaped_with_line_breaks(
    client, services, demo, capsys, messages
):
    hid = demo["household"]["id"]
    await sign_in(client, capsys, KHADIJA)
    resp = await client.get(f"/huishoudens/{hid}/journaal")
    text = await resp.text()
    assert resp.status == 200
    assert text.index("Alleen voor de familie.") < text.index("Tweede regel")  # newest first
    assert "<b>vet</b>" not in text and "&lt;b&gt;vet&lt;/b&gt;" in text and "&amp; &#34;zo&#34;" in text
    assert "&#34;zo&#34;<br>Tweede regel</p>" in text and '<p class="utrecht-paragraph">Nieuwe alinea</p>' in text
    assert "Fatima El Amrani" in text and "maandag 7 december 2026" in text and "Familie" in text
    khadija = demo["by_name"]["Khadija El Amrani"]["id"]
    assert await web_reads(services, hid) == [(khadija, "journaal: 2 berichten")]


async def test_someone_outside_a_group_does_not_see_its_messages(client, services, demo, capsys, messages):
    hid = demo["household"]["id"]
    await sign_in(client, capsys, WILLEMS)
    text = await (await client.get(f"/huishoudens/{hid}/journaal")).text()
    assert "Tweede regel" in text and "Alleen voor de familie." not in text
    willems = demo["by_name"]["Joost Willems"]["id"]
    assert await web_reads(services, hid) == [(willems, f"journaal:{messages['all']}")]


async def test_the_start_page_offers_the_journaal(client, demo, capsys):
    hid = demo["household"]["id"]
    await sign_in(client, capsys, FATIMA)
    start = await (await client.get(f"/huishoudens/{hid}")).text()
    assert f'href="/huishoudens/{hid}/journaal"' in start
    empty = await (await client.get(f"/huishoudens/{hid}/journaal")).text()
    assert "Er zijn nog geen berichten." in empty


async def test_another_households_journaal_looks_exactly_like_a_missing_one(client, services, demo, capsys, messages):
    await services.households.open(
        NewHousehold("T-0999", "Huishouden Jansen", "Utrecht"),
        RegisseurDetails(name="Piet Regisseur", email="piet@elders.example.org"),
    )
    await sign_in(client, capsys, "piet@elders.example.org")
    theirs = await client.get(f"/huishoudens/{demo['household']['id']}/journaal")
    missing = await client.get("/huishoudens/00000000-0000-4000-8000-000000000000/journaal")
    assert theirs.status == missing.status == 404 and await theirs.text() == await missing.text()
    assert await web_reads(services, demo["household"]["id"]) == []


async def journaal_rows(services) -> list[str]:
    async with services.plan._uow() as uow:
        rows = await uow.session.execute(
            sa.select(OutboxRow.recipient_id).where(OutboxRow.kind == OutboxKind.JOURNAAL.value)
        )
        return sorted(r[0] for r in rows)


async def test_a_member_writes_on_the_page_to_her_group_and_only_the_others_in_it_get_it(
    client, services, demo, capsys, messages
):
    hid, people = demo["household"]["id"], demo["by_name"]
    await sign_in(client, capsys, FATIMA)
    form_page = await (await client.get(f"/huishoudens/{hid}/journaal")).text()
    assert "plan-demo-001-familie@" in form_page  # the group's address, to write to by mail
    group_id = next(g.id for g in await _groups(services, hid) if g.slug == "familie")
    found = CSRF.search(form_page)
    assert found
    token = found.group(1)
    empty = await client.post(
        f"/huishoudens/{hid}/journaal", data={"csrf": token, "groep": group_id, "tekst": "  "}, allow_redirects=False
    )
    assert empty.status == 422 and 'id="tekst-fout"' in await empty.text()
    assert await journaal_rows(services) == []
    sent = await client.post(
        f"/huishoudens/{hid}/journaal",
        data={"csrf": token, "groep": group_id, "tekst": "Zondag eten bij oma?", "onderwerp": "Zondag"},
        allow_redirects=False,
    )
    assert sent.status == 303, await sent.text()
    assert await journaal_rows(services) == [people["Khadija El Amrani"]["id"]]  # not the author, not outsiders
    text = await (await client.get(sent.headers["Location"])).text()
    assert "Zondag eten bij oma?" in text and "Uw bericht staat in het journaal" in text


async def test_nobody_writes_to_a_group_they_are_not_in(client, services, demo, capsys, messages):
    hid = demo["household"]["id"]
    await sign_in(client, capsys, WILLEMS)
    form_page = await (await client.get(f"/huishoudens/{hid}/journaal")).text()
    assert "plan-demo-001-familie@" not in form_page
    group_id = next(g.id for g in await _groups(services, hid) if g.slug == "familie")
    resp = await client.post(
        f"/huishoudens/{hid}/journaal",
        data={"csrf": CSRF.search(form_page).group(1), "groep": group_id, "tekst": "Hallo"},
        allow_redirects=False,
    )
    assert resp.status == 422 and 'id="groep-fout"' in await resp.text()
    assert await journaal_rows(services) == []


async def _groups(services, hid: str):
    async with services.plan._uow() as uow:
        return await uow.mail.list_groups(hid)
