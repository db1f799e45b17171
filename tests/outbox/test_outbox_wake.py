"""The in-process worker wakes when queued rows are committed: not before, never after a rollback,
and for every kind of row (a date poll's notices too), so mail does not wait for the next poll."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from support.mail_helpers import drain

from eenplan.domain.access import Principal
from eenplan.domain.overleg import Invitee, OverlegType

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"


class Abandoned(Exception):
    """Raised to roll a unit of work back."""


@pytest.fixture
def settings(mail_settings):
    """Mail on, and a worker that would sleep an hour between polls unless woken."""
    return dataclasses.replace(mail_settings, outbox_poll_seconds=3600)


async def queued_invites(services, household_id: str) -> list:
    async with services.mailgroup._uow() as uow:
        return [i for i in await uow.mail.list_outbox(household_id, None, 1000) if i.kind.value == "invite"]


async def test_on_commit_runs_after_the_commit_and_never_after_a_rollback(services):
    ran: list[str] = []
    with pytest.raises(Abandoned):
        async with services.mailgroup._uow(write=True) as uow:
            uow.on_commit(lambda: ran.append("rolled back"))
            raise Abandoned
    async with services.mailgroup._uow(write=True) as uow:
        uow.on_commit(lambda: ran.append("committed"))
        assert ran == []
        await uow.commit()
        assert ran == ["committed"]
    assert ran == ["committed"]


async def test_rows_queued_in_a_transaction_wake_the_worker_once_it_commits(services, demo):
    woken: list[int] = []
    services.mailgroup.on_enqueued.append(lambda: woken.append(len(woken)))
    hh, fatima = demo["household"]["id"], demo["by_name"]["Fatima El Amrani"]["id"]
    with pytest.raises(Abandoned):
        async with services.mailgroup._uow(write=True) as uow:
            await services.mailgroup.enqueue_invite(uow, hh, fatima, "REQUEST", ICS, "", "wake:rolled-back")
            assert woken == []  # not yet committed: a worker woken now would find nothing
            raise Abandoned
    assert woken == [] and await queued_invites(services, hh) == []  # rolled back: no row, no wake
    async with services.mailgroup._uow(write=True) as uow:
        await services.mailgroup.enqueue_invite(uow, hh, fatima, "REQUEST", ICS, "", "wake:committed")
        assert woken == []
        await uow.commit()
    assert woken == [0]
    assert [i.dedupe_key for i in await queued_invites(services, hh)] == ["wake:committed"]


def next_werkdag_at_ten(now: datetime) -> datetime:
    day = now.astimezone(AMSTERDAM).date() + timedelta(days=14)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(10), AMSTERDAM)


async def test_a_date_polls_notice_wakes_a_waiting_worker(services, demo, smtp_peer, clock):
    _, peer = smtp_peer
    await drain(services.outbox)  # the demo's own rows
    peer.messages.clear()
    worker = asyncio.create_task(services.outbox.run_forever())
    try:
        await asyncio.sleep(0.2)  # the worker has found nothing and waits (an hour, unless woken)
        fatima = demo["by_name"]["Fatima El Amrani"]
        start = next_werkdag_at_ten(clock())
        await services.polls.create(
            Principal(demo["regisseur"]["id"], demo["household"]["id"]),
            demo["household"]["id"],
            overleg_type=OverlegType.VOORTGANGSOVERLEG,
            options=[(start, start + timedelta(hours=1))],
            invitees=(Invitee(fatima["id"], True),),
        )
        for _ in range(300):  # the notice is sent long before the hour's poll would have come
            if peer.to(fatima["email"]):
                break
            await asyncio.sleep(0.05)
        assert [m["Subject"] for m in peer.to(fatima["email"])] == ["Datumprikker voor een overleg"]
    finally:
        services.outbox.stop()
        await asyncio.wait_for(worker, 30)
