"""The rules that keep a crash from costing mail, one by one: claiming costs no attempt, only the claimant
marks a row, a row is marked sent right after its own 250, leases are renewed while a claim is worked, and a
recipient whose view did not change gets nothing (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

from support.mail_helpers import bearer, drain, upload_keys

from eenplan.domain.mailgroup import OutboxKind, OutboxStatus
from eenplan.services.outbox import UNCHANGED

PEOPLE = (
    "Sanne de Vries",
    "Fatima El Amrani",
    "Youssef El Amrani",
    "Khadija El Amrani",
    "Joost Willems",
    "Inge Bakker",
)


async def _patch(client, demo, body: dict) -> int:
    hh = demo["household"]["id"]
    resp = await client.patch(
        f"/api/households/{hh}/plan", headers={**bearer(demo["regisseur"]), "If-Match": "*"}, json=body
    )
    assert resp.status == 200, await resp.text()
    return (await resp.json())["version"]


async def _rows(services, demo, version: int) -> dict[str, object]:
    async with services.mailgroup._uow() as uow:
        rows = await uow.mail.list_outbox(demo["household"]["id"], None, 1000)
    return {r.recipient_id: r for r in rows if r.kind is OutboxKind.PLAN_UPDATE and r.version == version}


async def test_only_the_claimant_marks_a_row_and_claiming_costs_no_attempt(client, demo, services, clock):
    await drain(services.outbox)
    version = await _patch(client, demo, {"algemeen": {"coordinatie": "Claimtest"}})
    now = clock()
    async with services.mailgroup._uow(write=True) as uow:
        first = [
            i for i in await uow.mail.claim(now, now + timedelta(seconds=1), "a:1", 100, 3) if i.version == version
        ]
        await uow.commit()
    assert first and all(i.attempts == 0 for i in first)
    item = first[0]
    later = now + timedelta(seconds=5)  # a's lease ran out; b takes the rows over
    for _ in range(4):  # claimed again and again (a crash loop): still no attempt counted
        async with services.mailgroup._uow(write=True) as uow:
            taken = await uow.mail.claim(later, later + timedelta(seconds=1), "b:1", 100, 3)
            await uow.commit()
        later += timedelta(seconds=5)
    assert item.id in {i.id for i in taken} and all(i.attempts == 0 for i in taken)
    async with services.mailgroup._uow(write=True) as uow:
        assert not await uow.mail.begin(item.id, "a:1")  # a lost its claim: it may not even start SMTP
        assert not await uow.mail.mark_sent(item.id, "a:1", later, "<x@y>")
        assert not await uow.mail.mark_retry(item.id, "a:1", later, "451", True)
        assert not await uow.mail.mark_final(item.id, "a:1", OutboxStatus.DEAD, "550")
        assert await uow.mail.begin(item.id, "b:1")
        assert await uow.mail.mark_sent(item.id, "b:1", later, "<x@y>")
        await uow.commit()
    row = (await _rows(services, demo, version))[item.recipient_id]
    assert row.status is OutboxStatus.SENT and row.attempts == 1  # one attempt: the one that tried SMTP


async def test_a_backlog_goes_out_version_by_version(client, demo, services, smtp_peer, person_keys):
    await drain(services.outbox)
    await upload_keys(client, demo, person_keys, PEOPLE)
    await drain(services.outbox)
    worker = services.outbox
    events: list[tuple[str, object]] = []
    real_seal, real_send = worker.gateway.seal, worker.gateway.send_sealed

    async def seal(body, fprs, signer):
        events.append(("seal", body.text))
        return await real_seal(body, fprs, signer)

    async def send(sealed, envelope):
        await real_send(sealed, envelope)
        events.append(("250", envelope.subject))

    worker.gateway.seal, worker.gateway.send_sealed = seal, send
    versions = [await _patch(client, demo, {"algemeen": {"coordinatie": f"Achterstand {n}"}}) for n in range(3)]
    await drain(worker)
    first_250 = next(i for i, (kind, _) in enumerate(events) if kind == "250")
    last_seal = max(i for i, (kind, _) in enumerate(events) if kind == "seal")
    assert first_250 < last_seal  # the first version went out before the last one was even sealed
    for version in versions:
        assert {r.status for r in (await _rows(services, demo, version)).values()} == {OutboxStatus.SENT}


async def test_a_lease_is_renewed_while_its_claim_is_worked(client, demo, services, smtp_peer, clock):
    _, peer = smtp_peer
    await drain(services.outbox)
    peer.messages.clear()
    worker = services.outbox
    worker.settings = replace(worker.settings, lease_seconds=0.6)
    real_notice = worker.gateway.send_notice
    started = asyncio.Event()

    async def slow_notice(envelope, **kwargs):
        started.set()
        await asyncio.sleep(2.0)  # three leases long
        await real_notice(envelope, **kwargs)

    worker.gateway.send_notice = slow_notice
    version = await _patch(client, demo, {"algemeen": {"coordinatie": "Leasetest"}})  # no keys: notices
    task = asyncio.create_task(worker.run_once())
    await asyncio.wait_for(started.wait(), 60)
    stolen = []
    for _ in range(6):  # another worker keeps looking while the sends hang; the lease never runs out
        await asyncio.sleep(0.3)
        now = clock()
        async with services.mailgroup._uow(write=True) as uow:
            stolen += await uow.mail.claim(now, now + timedelta(seconds=30), "thief:1", 100, 8)
            await uow.commit()
    await asyncio.wait_for(task, 60)
    assert not [i for i in stolen if i.version == version]
    rows = await _rows(services, demo, version)
    assert {r.status for r in rows.values()} == {OutboxStatus.SENT}
    assert len(peer.messages) == len(rows)  # each sent once


async def test_a_recipient_whose_view_did_not_change_gets_nothing(client, demo, services, smtp_peer, person_keys):
    _, peer = smtp_peer
    await drain(services.outbox)
    await upload_keys(client, demo, person_keys, ["Fatima El Amrani"])  # Khadija has no key: notices
    peer.messages.clear()
    khadija, fatima = demo["by_name"]["Khadija El Amrani"], demo["by_name"]["Fatima El Amrani"]
    # the analyse is not in the grandmother's view (algemeen and her own actions only)
    hidden = await _patch(client, demo, {"analyse": {"analyse": "Alleen voor Fatima", "gewenst_perspectief": ""}})
    await drain(services.outbox)
    rows = await _rows(services, demo, hidden)
    assert rows[khadija["id"]].status is OutboxStatus.SKIPPED and rows[khadija["id"]].last_error == UNCHANGED
    assert rows[fatima["id"]].status is OutboxStatus.SENT
    assert not peer.to(khadija["email"]) and len(peer.to(fatima["email"])) == 1

    again = await _patch(client, demo, {"analyse": {"analyse": "Alleen voor Fatima", "gewenst_perspectief": "x"}})
    seen = await _patch(client, demo, {"algemeen": {"coordinatie": "Iedereen ziet dit"}})
    await drain(services.outbox)
    assert (await _rows(services, demo, again))[khadija["id"]].status is OutboxStatus.SKIPPED
    assert (await _rows(services, demo, seen))[khadija["id"]].status is OutboxStatus.SENT
    assert len(peer.to(khadija["email"])) == 1  # one notice, for the one version that changed her view


async def test_the_worker_in_serve_stops_after_the_message_in_flight(client, demo, services, smtp_peer):
    """`eenplan serve` stops its worker the way `eenplan worker` does on SIGTERM (bootstrap.worker_context)."""
    _, peer = smtp_peer
    await drain(services.outbox)
    peer.messages.clear()
    worker = services.outbox
    worker._rows.limit = asyncio.Semaphore(1)  # one SMTP transaction at a time: exactly one is in flight
    real_notice = worker.gateway.send_notice
    in_flight, go_on = asyncio.Event(), asyncio.Event()

    async def held_notice(envelope, **kwargs):
        in_flight.set()
        await go_on.wait()
        await real_notice(envelope, **kwargs)

    worker.gateway.send_notice = held_notice
    version = await _patch(client, demo, {"algemeen": {"coordinatie": "Stoptest"}})  # no keys: notices
    task = asyncio.create_task(worker.run_forever())
    await asyncio.wait_for(in_flight.wait(), 60)
    worker.stop()  # what the server's cleanup does on SIGTERM
    go_on.set()
    await asyncio.wait_for(task, 30)
    rows = await _rows(services, demo, version)
    sent = [r for r in rows.values() if r.status is OutboxStatus.SENT]
    assert len(sent) == 1 == len(peer.messages)  # the one in flight finished and was marked
    async with services.mailgroup._uow(write=True) as uow:  # a claim writes (not committed here)
        now = services.outbox._clock()
        rest = await uow.mail.claim(now, now + timedelta(seconds=5), "next:1", 100, 8)  # given back: no lease to wait
    assert {i.id for i in rest} == {r.id for r in rows.values() if r.status is OutboxStatus.QUEUED}
    assert all(i.attempts == 0 for i in rest)
