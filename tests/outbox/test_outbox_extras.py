"""Invites through the outbox, key-expiry warnings, and named groups for plan updates."""

from __future__ import annotations

from support.mail_helpers import bearer, drain, open_encrypted, upload_keys

from eenplan_crypto import testing

ICS = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//eenplan//test//NL\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n"
    b"UID:overleg-1@eenplan.example\r\nDTSTAMP:20260101T090000Z\r\nDTSTART:20260110T090000Z\r\n"
    b"DTEND:20260110T100000Z\r\nSUMMARY:Overleg\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)
AGENDA = "Agenda: schulden en school (GEHEIME-AGENDA-5150)"
#: the cleartext one (organizer and recipient only, no place): what a notice without encryption may carry
ICS_CLEAR = ICS.replace(b"SUMMARY:Overleg", b"SUMMARY:Overleg (zonder plaats)")


async def test_invite_is_encrypted_with_key_and_content_free_without(client, demo, services, smtp_peer, person_keys):

    _, peer = smtp_peer
    await drain(services.outbox)
    peer.messages.clear()
    await upload_keys(client, demo, person_keys, ["Fatima El Amrani"])
    hh = demo["household"]["id"]
    fatima, youssef = demo["by_name"]["Fatima El Amrani"], demo["by_name"]["Youssef El Amrani"]
    async with services.mailgroup._uow(write=True) as uow:
        for person in (fatima, youssef):
            for _ in range(2):
                await services.mailgroup.enqueue_invite(
                    uow, hh, person["id"], "REQUEST", ICS, AGENDA, "overleg-1:0", clear_ics=ICS_CLEAR
                )
        await uow.commit()
    await drain(services.outbox)
    [enc] = peer.to(fatima["email"])  # queued twice with one dedupe key: sent once
    inner, _ = open_encrypted(enc, person_keys["Fatima El Amrani"])
    types = [p.get_content_type() for p in inner.walk()]
    assert "text/calendar" in types and AGENDA in inner.get_body(("plain",)).get_content()
    cal = next(p for p in inner.walk() if p.get_content_type() == "text/calendar")
    assert cal.get_param("method") == "REQUEST" and b"UID:overleg-1" in cal.get_payload(decode=True)
    [plain] = peer.to(youssef["email"])
    assert plain.get_content_type() == "multipart/signed" and b"GEHEIME-AGENDA" not in plain.as_bytes()
    [clear] = [p for p in plain.walk() if p.get_content_type() == "text/calendar"]
    assert clear.get_payload(decode=True) == ICS_CLEAR  # never the full one


async def test_expiry_warning_goes_once_to_owner_and_regisseur(client, demo, services, smtp_peer):
    _, peer = smtp_peer
    testing.RECIPES.setdefault(
        "month",
        [
            ["--quick-gen-key", "{uid}", "ed25519", "sign,cert", "20d"],
            ["--quick-add-key", "{fpr}", "cv25519", "encr", "20d"],
        ],
    )
    key = testing.create_key("oma", "month", "Oma <oma@example.org>")
    try:
        await drain(services.outbox)
        peer.messages.clear()
        oma = demo["by_name"]["Khadija El Amrani"]
        hh = demo["household"]["id"]
        resp = await client.put(
            f"/api/households/{hh}/betrokkenen/{oma['id']}/key",
            json={"armored": key.armored_public},
            headers=bearer(oma),
        )
        assert resp.status == 200
        assert await services.mailgroup.enqueue_expiry_warnings() == 2
        assert await services.mailgroup.enqueue_expiry_warnings() == 0  # once per key
        await drain(services.outbox)
        to = {rcpt for rcpt, _ in peer.messages}
        assert to == {oma["email"], demo["regisseur"]["email"]}
        msg = peer.to(oma["email"])[0]
        assert msg.get_content_type() == "multipart/signed" and "verloopt" in msg.as_string()
    finally:
        key.cleanup()


async def test_a_named_group_can_take_the_plan_updates(client, demo, services, smtp_peer):
    _, peer = smtp_peer
    await drain(services.outbox)
    peer.messages.clear()
    hh = demo["household"]["id"]
    members = [demo["by_name"][n]["id"] for n in ("Fatima El Amrani", "Youssef El Amrani", "Inge Bakker")]
    resp = await client.post(
        f"/api/households/{hh}/mail/groups",
        headers=bearer(demo["regisseur"]),
        json={"slug": "gezin-zorg", "name": "Gezin en hulpverleners", "members": members, "plan_updates": True},
    )
    assert resp.status == 201, await resp.text()
    group = await resp.json()
    assert group["address"] == "plan-demo-001-gezin-zorg@eenplan.example"
    listing = await (
        await client.get(f"/api/households/{hh}/mail/groups", headers=bearer(demo["by_name"]["Inge Bakker"]))
    ).json()
    assert listing["default"]["address"] == "plan-demo-001@eenplan.example" and not listing["default"]["plan_updates"]
    resp = await client.patch(
        f"/api/households/{hh}/plan",
        headers={**bearer(demo["regisseur"]), "If-Match": "*"},
        json={
            "analyse": {"analyse": "Groepstest", "gewenst_perspectief": ""},
            "algemeen": {"coordinatie": "Groepstest"},  # a change everyone sees: nobody is skipped as unchanged
        },
    )
    assert resp.status == 200
    await drain(services.outbox)
    assert {rcpt for rcpt, _ in peer.messages} == {
        demo["by_name"][n]["email"] for n in ("Fatima El Amrani", "Youssef El Amrani", "Inge Bakker")
    }
    resp = await client.delete(f"/api/households/{hh}/mail/groups/{group['id']}", headers=bearer(demo["regisseur"]))
    assert resp.status == 204
