"""Mail queued while the worker is busy is sent without waiting for a poll: queued mid-pass (the pass that
sends other mail), or committed while the worker's claim waits for the database (SQLite's write lock).
The worker here polls every ten minutes: a lost wake-up would leave the mail unsent for the whole test."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
from support.mail_helpers import drain

from eenplan.domain.mailgroup_ports import SendStats

ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"


@pytest.fixture
def settings(mail_settings):
    """Mail on, and a worker that would sleep ten minutes between polls unless woken."""
    return dataclasses.replace(mail_settings, outbox_poll_seconds=600)


async def _queue_invite(services, household_id: str, person_id: str, key: str) -> None:
    """One invite row for `person_id`, committed (which wakes the in-process worker)."""
    async with services.mailgroup._uow(write=True) as uow:
        await services.mailgroup.enqueue_invite(uow, household_id, person_id, "REQUEST", ICS, "", key)
        await uow.commit()


async def _delivered(peer, address: str, count: int) -> int:
    """How many messages `address` has, once it has `count` or after about twenty seconds."""
    for _ in range(400):
        if len(peer.to(address)) >= count:
            break
        await asyncio.sleep(0.05)
    return len(peer.to(address))


async def test_mail_queued_while_a_pass_sends_other_mail_is_sent_without_a_poll(services, demo, smtp_peer):
    _, peer = smtp_peer
    worker = services.outbox
    await drain(worker)  # the demo's own rows
    peer.messages.clear()
    hh = demo["household"]["id"]
    fatima = demo["by_name"]["Fatima El Amrani"]
    real_send = worker.gateway.send_notice
    queued_mid_pass = False

    async def send_then_queue(*args, **kwargs):
        """The first send of the pass queues the next invite before it reaches the relay."""
        nonlocal queued_mid_pass
        if not queued_mid_pass:
            queued_mid_pass = True
            await _queue_invite(services, hh, fatima["id"], "wake:mid-pass")
        return await real_send(*args, **kwargs)

    worker.gateway.send_notice = send_then_queue
    task = asyncio.create_task(worker.run_forever())
    try:
        await _queue_invite(services, hh, fatima["id"], "wake:first")
        assert await _delivered(peer, fatima["email"], 2) == 2
        assert queued_mid_pass
    finally:
        worker.stop()
        await asyncio.wait_for(task, 30)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_rows_committed_while_a_claim_waits_for_the_database_are_claimed_by_it(services, demo):
    worker = services.outbox
    await drain(worker)
    hh = demo["household"]["id"]
    fatima = demo["by_name"]["Fatima El Amrani"]
    async with services.mailgroup._uow(write=True) as holder:  # holds SQLite's write lock
        claim: asyncio.Task[SendStats] = asyncio.create_task(worker.run_once())
        await asyncio.sleep(0.3)  # the claim has begun and waits for the lock
        assert not claim.done()
        await services.mailgroup.enqueue_invite(holder, hh, fatima["id"], "REQUEST", ICS, "", "wake:locked")
        await holder.commit()
    stats = await asyncio.wait_for(claim, 30)
    # claimed by the claim that waited: with no wake-up (a worker in another process) it would otherwise
    # wait for the next poll
    assert stats.claimed == 1 and stats.sent == 1
