"""A plan update and an overleg invite (its agenda for whoever may read it), as the outbox worker sends them,
are read by every betrokkene in every client: Thunderbird's RNP, Sequoia, GnuPG and OpenPGP.js, each
decrypting with the person's own secret key and finding a good signature by the household key.

SQLite only: what is checked is the mail on the wire, not storage.
"""

from __future__ import annotations

import email
import email.policy
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from support.mail_helpers import bearer, drain, trust_signer, upload_keys
from support.openpgp_clients import CLIENTS, Signer, available, open_with

from eenplan_mail.pgpmime import parse_pgpmime

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

PEOPLE = (
    "Sanne de Vries",
    "Fatima El Amrani",
    "Youssef El Amrani",
    "Khadija El Amrani",
    "Joost Willems",
    "Inge Bakker",
)
MARKER = "IEDER-PROGRAMMA-3301"
AMS = ZoneInfo("Europe/Amsterdam")


async def _change_everyones_view(client, demo) -> int:
    hh = demo["household"]["id"]
    headers = bearer(demo["regisseur"])
    current = await (await client.get(f"/api/households/{hh}/plan", headers=headers)).json()
    algemeen = current["sections"]["algemeen"]  # everyone reads algemeen, so every view changes
    algemeen["coordinatie"] += f" {MARKER}"
    resp = await client.patch(
        f"/api/households/{hh}/plan",
        headers={**headers, "If-Match": f'"{current["version"]}"'},
        json={"algemeen": algemeen},
    )
    assert resp.status == 200, await resp.text()
    return (await resp.json())["version"]


def _readers() -> list[str]:
    present = [c for c in CLIENTS if available(c)]
    missing = set(CLIENTS) - set(present)
    assert {"rnp", "sq", "gpg"} <= set(present), f"install {sorted(missing)} (make system-deps)"
    return present


async def test_every_betrokkene_reads_the_update_in_every_client(client, demo, services, smtp_peer, person_keys):
    clients = _readers()
    _, peer = smtp_peer
    await drain(services.outbox)
    peer.messages.clear()
    await upload_keys(client, demo, person_keys, PEOPLE)
    fingerprint = await trust_signer(client, demo, person_keys, PEOPLE)
    hh = demo["household"]["id"]
    key = await (await client.get(f"/api/households/{hh}/mail/signing-key", headers=bearer(demo["regisseur"]))).json()
    signer = Signer(fingerprint, key["armored"])

    version = await _change_everyones_view(client, demo)
    await drain(services.outbox)
    for name in PEOPLE:
        [msg] = peer.to(demo["by_name"][name]["email"])
        assert msg.get_content_type() == "multipart/encrypted"
        armored = parse_pgpmime(msg.as_bytes())
        for reader in clients:
            plaintext = open_with(reader, armored, person_keys[name], signer)
            inner = email.message_from_bytes(plaintext, policy=email.policy.default)
            text = "".join(p.get_content() for p in inner.walk() if p.get_content_type() == "text/plain")
            assert f"versie {version}" in text, f"{name} in {reader}"
            assert any(p.get_content_type() == "application/pdf" for p in inner.walk()), f"{name} in {reader}"


async def test_an_invite_with_its_agenda_is_read_in_every_client(client, demo, services, smtp_peer, person_keys):
    clients = _readers()
    _, peer = smtp_peer
    invited = ("Fatima El Amrani", "Joost Willems")
    await upload_keys(client, demo, person_keys, invited)
    fingerprint = await trust_signer(client, demo, person_keys, invited)
    await drain(services.outbox)
    peer.messages.clear()
    hh = demo["household"]["id"]
    key = await (await client.get(f"/api/households/{hh}/mail/signing-key", headers=bearer(demo["regisseur"]))).json()
    signer = Signer(fingerprint, key["armored"])
    started = services.plan.today()  # the household started today (Amsterdam): a later day is refused
    start = datetime.combine(services.overleggen.planner.startoverleg_window(started)[0], time(10), AMS)
    body = {
        "type": "startoverleg",
        "initiated": started.isoformat(),
        "start": start.isoformat(),
        "end": (start + timedelta(minutes=90)).isoformat(),
        "location": "Wijkcentrum",
        "agenda": f"Bespreken: {MARKER}",
        "chair_id": demo["regisseur"]["id"],
        "invitees": [{"betrokkene_id": demo["by_name"][n]["id"], "must_attend": True} for n in invited],
    }
    resp = await client.post(f"/api/households/{hh}/overleggen", json=body, headers=bearer(demo["regisseur"]))
    assert resp.status == 201, await resp.text()
    await drain(services.outbox)
    for name in invited:
        [msg] = peer.to(demo["by_name"][name]["email"])
        armored = parse_pgpmime(msg.as_bytes())
        for reader in clients:
            inner = email.message_from_bytes(
                open_with(reader, armored, person_keys[name], signer), policy=email.policy.default
            )
            parts = {p.get_content_type(): p for p in inner.walk()}
            text = parts["text/plain"].get_content()
            assert "uitgenodigd" in text and (MARKER in text) == (name == "Fatima El Amrani"), f"{name} in {reader}"
            assert b"BEGIN:VEVENT" in parts["text/calendar"].get_payload(decode=True), f"{name} in {reader}"
