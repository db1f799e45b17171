"""On "Mijn gegevens" a person whose mail bounces reads that their address does not work, and can try it
again; a household they are not in, or an address that changed, shows nothing of it."""

from __future__ import annotations

from support.pagekit import csrf_of, sign_in

from eenplan.domain.bounces import DISABLE_AT, BounceRecord

KHADIJA = "khadija@example.org"


async def test_a_disabled_address_is_told_and_can_be_tried_again(client, services, demo, capsys, clock):
    hid, oma = demo["household"]["id"], demo["by_name"]["Khadija El Amrani"]
    async with services.bounces._uow(write=True) as uow:
        record = BounceRecord(hid, oma["id"], KHADIJA, DISABLE_AT, clock.today(), disabled_at=clock())
        await uow.bounces.put(record)
        await uow.commit()
    await sign_in(client, capsys, KHADIJA)
    page = f"/huishoudens/{hid}/gegevens"
    text = await (await client.get(page)).text()
    assert "Dit adres werkt niet." in text and "Probeer dit adres opnieuw" in text
    resp = await client.post(f"{page}/adres-opnieuw", data={"csrf": await csrf_of(client, page)}, allow_redirects=False)
    assert resp.status == 303
    text = await (await client.get(resp.headers["Location"])).text()
    assert "Dit adres werkt niet." not in text and "We sturen weer e-mail naar dit adres" in text
    async with services.bounces._uow() as uow:
        assert await uow.bounces.get(hid, oma["id"]) is None


async def test_bounces_of_an_old_address_are_not_shown(client, services, demo, capsys, clock):
    hid, oma = demo["household"]["id"], demo["by_name"]["Khadija El Amrani"]
    async with services.bounces._uow(write=True) as uow:
        record = BounceRecord(hid, oma["id"], "oud@example.org", DISABLE_AT, clock.today(), disabled_at=clock())
        await uow.bounces.put(record)
        await uow.commit()
    await sign_in(client, capsys, KHADIJA)
    text = await (await client.get(f"/huishoudens/{hid}/gegevens")).text()
    assert "Dit adres werkt niet." not in text
