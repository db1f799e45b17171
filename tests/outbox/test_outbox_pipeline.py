"""A plan change reaches its recipients without waiting for work that is not theirs: a view's mail goes out as
soon as that view is sealed (not after every view of the wave), and the worker's hourly jobs never hold back
mail queued meanwhile; what each recipient was last sent is read per wave, after the previous wave's marks
(SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses

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
#: how long a held step waits for what the test expects to happen first (it is released then, or at this limit,
#: so a worker that does things in the old order finishes the test with a failed assertion, not a hang)
HOLD_SECONDS = 20
ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"


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


async def _held(event: asyncio.Event) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), HOLD_SECONDS)


async def test_a_views_mail_goes_out_while_another_view_is_still_being_sealed(
    client, demo, services, smtp_peer, person_keys
):
    await drain(services.outbox)
    await upload_keys(client, demo, person_keys, PEOPLE)
    await drain(services.outbox)
    worker = services.outbox
    events: list[str] = []
    first_250 = asyncio.Event()
    real_seal, real_send = worker.gateway.seal, worker.gateway.send_sealed
    held: list[object] = []

    async def seal(body, fprs, signer):
        if not held:  # the first view sealed waits until some other view's mail was accepted
            held.append(body)
            await _held(first_250)
            events.append("held view sealed")
        return await real_seal(body, fprs, signer)

    async def send(sealed, envelope):
        await real_send(sealed, envelope)
        events.append("250")
        first_250.set()

    worker.gateway.seal, worker.gateway.send_sealed = seal, send
    try:
        version = await _patch(client, demo, {"algemeen": {"coordinatie": "Iedereen, elk zijn eigen deel"}})
        await drain(worker)
    finally:
        worker.gateway.seal, worker.gateway.send_sealed = real_seal, real_send
    assert events.index("250") < events.index("held view sealed")  # another view did not wait for it
    rows = await _rows(services, demo, version)
    assert {r.status for r in rows.values()} == {OutboxStatus.SENT}
    assert events.count("250") == len(rows)


async def test_the_hourly_jobs_do_not_hold_back_mail_queued_meanwhile(demo, services, smtp_peer):
    _, peer = smtp_peer
    worker = services.outbox
    await drain(worker)
    peer.messages.clear()
    hh, fatima = demo["household"]["id"], demo["by_name"]["Fatima El Amrani"]
    order: list[str] = []
    running, delivered = asyncio.Event(), asyncio.Event()

    async def slow_hourly_job() -> None:
        running.set()
        await _held(delivered)
        order.append("hourly job done")

    real_notice = worker.gateway.send_notice

    async def notice(envelope, **kwargs):
        await real_notice(envelope, **kwargs)
        order.append("250")
        delivered.set()

    worker.periodic.append(("test-slow-hourly-job", slow_hourly_job))
    worker.gateway.send_notice = notice
    task = asyncio.create_task(worker.run_forever())  # its first pass starts the hourly jobs
    try:
        await asyncio.wait_for(running.wait(), 60)
        async with services.mailgroup._uow(write=True) as uow:
            await services.mailgroup.enqueue_invite(uow, hh, fatima["id"], "REQUEST", ICS, "", "hourly:meanwhile")
            await uow.commit()  # wakes the worker
        await asyncio.wait_for(delivered.wait(), HOLD_SECONDS + 30)
    finally:
        worker.stop()
        await asyncio.wait_for(task, HOLD_SECONDS + 30)  # a stop waits for the hourly job it started
        worker.gateway.send_notice = real_notice
    assert order == ["250", "hourly job done"]
    assert len(peer.to(fatima["email"])) == 1


async def test_a_later_version_in_the_same_claim_sees_the_earlier_one_sent(
    client, demo, services, smtp_peer, person_keys
):
    _, peer = smtp_peer
    await drain(services.outbox)
    await upload_keys(client, demo, person_keys, ["Fatima El Amrani"])  # Khadija has no key: notices
    await drain(services.outbox)
    peer.messages.clear()
    khadija = demo["by_name"]["Khadija El Amrani"]
    seen = await _patch(client, demo, {"algemeen": {"coordinatie": "De oma ziet dit"}})
    # the analyse is not in the grandmother's view: after `seen` was sent to her, this one shows her nothing new
    hidden = await _patch(client, demo, {"analyse": {"analyse": "Niet voor de oma", "gewenst_perspectief": ""}})
    stats = await drain(services.outbox)
    assert stats[0].claimed >= 2 * len(await _rows(services, demo, seen)) - 1  # both versions in one claim
    assert (await _rows(services, demo, seen))[khadija["id"]].status is OutboxStatus.SENT
    later = (await _rows(services, demo, hidden))[khadija["id"]]
    assert later.status is OutboxStatus.SKIPPED and later.last_error == UNCHANGED
    assert len(peer.to(khadija["email"])) == 1


async def test_a_cancelled_worker_ends_even_while_rows_are_still_being_prepared(
    client, demo, services, smtp_peer, person_keys
):
    """Cancelling the worker (a process torn down; SIGTERM is `stop`, not this) while one row's send hangs and
    another row is still being prepared ends the pass at once, and the hung row is sent after its lease. (The
    wave used to wait for its sends in a `finally`, so such a cancel hung forever: a CI run stalled on
    test_worker_killed_after_250_resends_with_the_same_message_id.)"""
    _, peer = smtp_peer
    await drain(services.outbox)
    await upload_keys(client, demo, person_keys, PEOPLE[:2])  # the others get content-free notices
    await drain(services.outbox)
    peer.messages.clear()
    worker = services.outbox
    preparer = worker._waves._prepare
    real_job, real_notice = preparer.job, worker.gateway.send_notice
    sending, never = asyncio.Event(), asyncio.Event()

    async def job(ctx, token, item, stats):
        found = await real_job(ctx, token, item, stats)
        if found is not None and found.fingerprint:  # a keyed row stays "being prepared" until the cancel
            await sending.wait()
            await never.wait()
        return found

    async def notice(*args, **kwargs):
        sending.set()
        await never.wait()  # the relay never answers

    preparer.job, worker.gateway.send_notice = job, notice
    worker.settings = dataclasses.replace(worker.settings, lease_seconds=0.5)
    try:
        await _patch(client, demo, {"algemeen": {"coordinatie": "Afgebroken ronde"}})
        task = asyncio.create_task(worker.run_once())
        await asyncio.wait_for(sending.wait(), HOLD_SECONDS)
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=HOLD_SECONDS)
        assert task in done  # the pass ended: it did not wait for a send that never ends
    finally:
        preparer.job, worker.gateway.send_notice = real_job, real_notice
    await asyncio.sleep(0.6)  # the cancelled claim's lease runs out
    await drain(worker)
    assert {rcpt for rcpt, _ in peer.messages} >= {demo["by_name"][n]["email"] for n in PEOPLE}  # nothing lost
