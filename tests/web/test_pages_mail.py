"""De mail van een huishouden (issue 13, item 6): the regisseur sees the outbox, retries a dead letter, makes and
removes a group, sees who lacks a key and which address bounces; everyone else gets 403 (and no menu item)."""

from __future__ import annotations

import dataclasses
import re
from datetime import date, timedelta

import pytest
from support.pagekit import csrf_of, sign_in

from eenplan.config import Settings
from eenplan.domain.access import Principal
from eenplan.domain.bounces import DISABLE_AT, BounceRecord
from eenplan.domain.mailgroup import OutboxItem, OutboxKind, OutboxStatus

SANNE = "sanne.devries@example.org"
FATIMA = "fatima@example.org"
KHADIJA = "khadija@example.org"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second factor: these tests are about the mail page (factors have their own tests)."""
    return dataclasses.replace(settings, second_factor="off")


def base(demo) -> str:
    return f"/huishoudens/{demo['household']['id']}/mail"


def regisseur(demo) -> Principal:
    return Principal(demo["regisseur"]["id"], demo["household"]["id"], second_factor=True)


async def _dead_letter(services, demo, clock, recipient: str) -> str:
    """A plan update to `recipient` that the relay refused for good (a dead letter), as the worker leaves it."""
    now = clock()
    hid = demo["household"]["id"]
    item = OutboxItem(
        "dead-letter-1", hid, recipient, OutboxKind.PLAN_UPDATE, "dead-test", 2, None, OutboxStatus.QUEUED, 0, now, now
    )
    async with services.mailgroup._uow(write=True) as uow:
        assert await uow.mail.enqueue(item)
        await uow.commit()
    async with services.mailgroup._uow(write=True) as uow:
        claimed = await uow.mail.claim(now + timedelta(hours=1), now + timedelta(hours=2), "t:1", 500, 3)
        assert item.id in {c.id for c in claimed}
        assert await uow.mail.begin(item.id, "t:1")
        assert await uow.mail.mark_final(item.id, "t:1", OutboxStatus.DEAD, "550 5.1.1 <fatima@example.org> unknown")
        await uow.mail.release("t:1")  # the other rows stay queued as they were
        await uow.commit()
    return item.id


async def test_only_the_regisseur_gets_the_mail_page_and_its_menu_item(client, demo, capsys):
    hid = demo["household"]["id"]
    await sign_in(client, capsys, SANNE)
    resp = await client.get(base(demo))
    text = await resp.text()
    assert resp.status == 200, text
    for heading in ("Berichten", "Groepen", "Wie krijgt het plan niet versleuteld", "Adressen die niet werken"):
        assert heading in text
    assert f'href="/huishoudens/{hid}/mail"' in await (await client.get(f"/huishoudens/{hid}")).text()
    for email in (FATIMA, KHADIJA):
        client.session.cookie_jar.clear()
        await sign_in(client, capsys, email)
        start = await (await client.get(f"/huishoudens/{hid}")).text()
        assert f'href="/huishoudens/{hid}/mail"' not in start
        resp = await client.get(base(demo))
        assert resp.status == 403, email
        assert "Berichten" not in await resp.text()


async def test_a_dead_letter_is_shown_without_content_and_sent_again_from_the_page(
    client, services, demo, capsys, clock
):
    fatima = demo["by_name"]["Fatima El Amrani"]["id"]
    dead = await _dead_letter(services, demo, clock, fatima)
    await sign_in(client, capsys, SANNE)
    text = await (await client.get(base(demo))).text()
    row = re.search(rf'<tr class="utrecht-table__row" data-outbox="{dead}">(.*?)</tr>', text, re.S)
    assert row, text
    assert "Nieuwe versie van het plan" in row[1] and "Fatima El Amrani" in row[1] and "Niet bezorgd" in row[1]
    assert "Opnieuw proberen" in row[1]
    assert "5.1.1" not in text and "fatima@example.org" not in text  # the relay's answer is never shown
    assert "1 bericht kwam niet aan" in text
    csrf = await csrf_of(client, base(demo))
    resp = await client.post(f"{base(demo)}/berichten/{dead}/opnieuw", data={"csrf": csrf}, allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == base(demo) + "?gelukt=opnieuw#melding"
    items = {i.id: i for i in await services.mailgroup.outbox(regisseur(demo), demo["household"]["id"], None, 500)}
    assert items[dead].status is not OutboxStatus.DEAD
    after = await (await client.get(resp.headers["Location"])).text()
    assert "Het bericht staat weer klaar om te versturen." in after


async def test_retrying_a_letter_that_is_not_dead_changes_nothing(client, services, demo, capsys):
    await sign_in(client, capsys, SANNE)
    csrf = await csrf_of(client, base(demo))
    resp = await client.post(f"{base(demo)}/berichten/geen-bericht/opnieuw", data={"csrf": csrf}, allow_redirects=False)
    assert resp.status == 404


async def test_a_group_is_made_and_removed_on_the_page(client, services, demo, capsys):
    hid = demo["household"]["id"]
    fatima = demo["by_name"]["Fatima El Amrani"]["id"]
    khadija = next(b for b in demo["betrokkenen"] if b["kind"] == "netwerk")
    await sign_in(client, capsys, SANNE)
    csrf = await csrf_of(client, base(demo))
    data = [("csrf", csrf), ("name", "Familie"), ("slug", "familie"), ("members", fatima), ("members", khadija["id"])]
    data.append(("plan_updates", "ja"))
    resp = await client.post(base(demo) + "/groepen", data=data, allow_redirects=False)
    assert resp.status == 303, await resp.text()
    _code, groups = await services.mailgroup.groups(regisseur(demo), hid)
    (group,) = groups
    assert group.slug == "familie" and group.plan_updates and set(group.members) == {fatima, khadija["id"]}
    text = await (await client.get(resp.headers["Location"])).text()
    section = re.search(rf'data-group="{group.id}">(.*?)</section>', text, re.S)
    assert section and "Familie" in section[1] and khadija["name"] in section[1] and "krijgt het plan" in section[1]
    assert "De groep is gemaakt." in text
    csrf = await csrf_of(client, base(demo))
    resp = await client.post(f"{base(demo)}/groepen/{group.id}/verwijderen", data={"csrf": csrf}, allow_redirects=False)
    assert resp.status == 303
    assert (await services.mailgroup.groups(regisseur(demo), hid))[1] == []
    text = await (await client.get(resp.headers["Location"])).text()
    assert "De groep is verwijderd." in text and f'data-group="{group.id}"' not in text


async def test_a_bad_group_is_shown_again_with_the_error_next_to_its_field(client, services, demo, capsys):
    hid = demo["household"]["id"]
    fatima = demo["by_name"]["Fatima El Amrani"]["id"]
    await sign_in(client, capsys, SANNE)
    csrf = await csrf_of(client, base(demo))
    data = [("csrf", csrf), ("name", "School"), ("slug", "Niet Goed!"), ("members", fatima)]
    resp = await client.post(base(demo) + "/groepen", data=data, allow_redirects=False)
    text = await resp.text()
    assert resp.status == 422
    assert 'id="slug-fout"' in text and 'aria-invalid="true"' in text
    assert 'value="School"' in text  # what was typed stays
    assert re.search(rf'value="{fatima}" checked', text)
    assert (await services.mailgroup.groups(regisseur(demo), hid))[1] == []  # nothing half-made


async def test_who_lacks_a_key_is_listed_with_the_reason_in_words(client, services, demo, capsys):
    missing = await services.mailgroup.missing_keys(regisseur(demo), demo["household"]["id"])
    assert missing  # the demo has betrokkenen without a key
    await sign_in(client, capsys, SANNE)
    text = await (await client.get(base(demo))).text()
    items = re.findall(r"<li class=\"utrecht-unordered-list__item\" data-missing-key>(.*?)</li>", text, re.S)
    assert len(items) == len(missing)
    assert all(m["name"] in " ".join(items) for m in missing)
    assert "Heeft geen sleutel. Krijgt alleen meldingen." in " ".join(items)  # the service's reason, in words


async def test_an_address_that_bounces_is_shown_and_tried_again_from_the_page(client, services, demo, capsys, clock):
    hid, oma = demo["household"]["id"], demo["by_name"]["Khadija El Amrani"]
    async with services.bounces._uow(write=True) as uow:
        record = BounceRecord(hid, oma["id"], KHADIJA, DISABLE_AT, date(2026, 11, 30), disabled_at=clock())
        await uow.bounces.put(record)
        await uow.commit()
    await sign_in(client, capsys, SANNE)
    text = await (await client.get(base(demo))).text()
    item = re.search(rf'data-bounce="{oma["id"]}">(.*?)</li>', text, re.S)
    assert item and "Khadija El Amrani" in item[1] and "dit adres werkt niet" in item[1]
    assert "maandag 30 november 2026" in item[1] and KHADIJA not in text  # the address itself is not shown
    csrf = await csrf_of(client, base(demo))
    resp = await client.post(f"{base(demo)}/adressen/{oma['id']}/opnieuw", data={"csrf": csrf}, allow_redirects=False)
    assert resp.status == 303
    text = await (await client.get(resp.headers["Location"])).text()
    assert "We sturen weer e-mail naar dit adres." in text and f'data-bounce="{oma["id"]}"' not in text
    async with services.bounces._uow() as uow:
        assert await uow.bounces.get(hid, oma["id"]) is None
