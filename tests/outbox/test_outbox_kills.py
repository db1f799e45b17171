"""The kill campaign: real `eenplan worker` processes against a real relay (aiosmtpd), SIGKILLed in a crash
loop over a backlog — at random moments and right after a 250 — then stopped with SIGTERM.

Nothing is lost, nothing is dead-lettered without having been tried, and no recipient gets more than one
duplicate per kill. SIGTERM lets the message in flight finish: after it, nothing arrives twice.
On SQLite and PostgreSQL (tests/outbox runs on both).
"""

from __future__ import annotations

import asyncio
import functools
import os
import random
import signal
import time
from collections import Counter

import pytest
from support.mail_helpers import bearer, drain, upload_keys
from support.outbox_kills import WorkerProcess, claims, outbox_rows, start_relay, worker_env

from eenplan.domain.mailgroup import OutboxKind, OutboxStatus

PEOPLE = (
    "Sanne de Vries",
    "Fatima El Amrani",
    "Youssef El Amrani",
    "Khadija El Amrani",
    "Joost Willems",
    "Inge Bakker",
)
BACKLOG = 16  # plan versions queued before any worker runs: 96 mails (a fast machine sent 48 before 8 kills)
KILLS = 8  # as many as an old worker needed to dead-letter the whole backlog (one attempt burnt per claim)


async def _backlog(client, demo, versions: int) -> list[int]:
    """`versions` plan changes that every betrokkene sees, each queueing a mail per betrokkene."""
    hh = demo["household"]["id"]
    out = []
    for n in range(versions):
        resp = await client.patch(
            f"/api/households/{hh}/plan",
            headers={**bearer(demo["regisseur"]), "If-Match": "*"},
            json={"algemeen": {"coordinatie": f"Overleg elke {n + 2} weken"}},
        )
        assert resp.status == 200, await resp.text()
        out.append((await resp.json())["version"])
    return out


async def _until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


@pytest.fixture
async def ready(client, demo, services, person_keys):
    """The demo with everyone's key pinned and the demo's own mail already sent (by the in-process worker)."""
    await drain(services.outbox)
    await upload_keys(client, demo, person_keys, PEOPLE)
    await drain(services.outbox)
    return demo


@pytest.fixture
def relay():
    url, peer, controller = start_relay()
    yield url, peer
    controller.stop()


def _env(settings, relay_url: str) -> dict[str, str]:
    # a short lease, so a killed worker's rows come back quickly; the default 8 attempts
    return worker_env(
        settings, smtp_url=relay_url, outbox_lease_seconds=1, outbox_poll_seconds=1, outbox_backoff_seconds=1
    )


async def test_a_crash_loop_over_a_backlog_loses_nothing_and_duplicates_at_most_once_per_kill(
    client, ready, services, settings, relay, tmp_path
):
    relay_url, peer = relay
    demo = ready
    hh = demo["household"]["id"]
    versions = await _backlog(client, demo, BACKLOG)
    env = _env(settings, relay_url)
    rng = random.Random(1407)
    kills = after_250 = 0
    seen: set[str] = set()
    while kills < KILLS:
        worker = WorkerProcess(env, tmp_path)
        await _until(lambda: _new_claim(services, seen), 60, "a worker to claim the backlog")
        if kills % 2:  # right after the relay's 250, before the worker can mark the row sent
            before = peer.accepted
            peer.after_250 = functools.partial(os.kill, worker.pid, signal.SIGKILL)
            await _until(functools.partial(_dead, worker, peer, before), 60, "a 250 and the kill after it")
            after_250 += 1
        else:  # at a random moment of the work: claiming, rendering, sealing, sending, marking
            await asyncio.sleep(rng.uniform(0.0, 1.0))
        peer.after_250 = None
        worker.kill()
        kills += 1
        if not await _queued(services, hh):
            break
    assert kills == KILLS and after_250 == KILLS // 2, "the backlog ran out before the campaign did"

    worker = WorkerProcess(env, tmp_path)  # the last one runs to the end and is stopped politely
    await _until(lambda: _done(services, hh), 120, "the backlog to be sent")
    code, out, _ = worker.terminate()
    assert code == 0 and "stopped" in out

    rows = [r for r in await outbox_rows(services, hh) if r.kind is OutboxKind.PLAN_UPDATE and r.version in versions]
    assert len(rows) == BACKLOG * len(PEOPLE)
    assert Counter(r.status for r in rows) == {OutboxStatus.SENT: len(rows)}  # none dead, none skipped
    assert all(1 <= r.attempts <= 1 + kills for r in rows)  # every attempt was a try of SMTP
    address = {demo["by_name"][n]["id"]: demo["by_name"][n]["email"] for n in PEOPLE}
    received = peer.received()
    expected = {(address[r.recipient_id], r.message_id) for r in rows}
    assert expected <= set(received), "mail was lost"
    assert set(received) == expected  # and nothing else was sent
    duplicates = Counter()
    for (rcpt, _), count in received.items():
        duplicates[rcpt] += count - 1
    assert all(n <= kills for n in duplicates.values()), duplicates
    assert sum(duplicates.values()) <= kills * len(PEOPLE)


async def test_sigterm_finishes_the_message_in_flight_and_gives_the_rest_back(
    client, ready, services, settings, relay, tmp_path
):
    relay_url, peer = relay
    demo = ready
    hh = demo["household"]["id"]
    versions = await _backlog(client, demo, 4)
    env = _env(settings, relay_url)
    worker = WorkerProcess(env, tmp_path)
    await _until(lambda: _accepted(peer, 2), 60, "the first mails")
    code, out, _ = worker.terminate()
    assert code == 0 and "stopped" in out

    rows = [r for r in await outbox_rows(services, hh) if r.version in versions]
    sent = [r for r in rows if r.status is OutboxStatus.SENT]
    received = peer.received()
    assert sent and len(sent) < len(rows)  # it stopped part-way
    assert sum(received.values()) == len(sent)  # everything the relay took was marked sent, nothing more
    assert not await claims(services)  # the rest went back to the queue at once, no lease to wait for

    worker = WorkerProcess(env, tmp_path)  # a restart (systemctl restart) sends the rest, each once
    await _until(lambda: _done(services, hh), 120, "the rest to be sent")
    assert worker.terminate()[0] == 0
    received = peer.received()
    assert len(received) == len(rows) and max(received.values()) == 1


async def _new_claim(services, seen: set[str]) -> bool:
    now = await claims(services)
    fresh = now - seen
    seen |= now
    return bool(fresh)


async def _queued(services, household_id: str) -> int:
    return sum(r.status is OutboxStatus.QUEUED for r in await outbox_rows(services, household_id))


async def _done(services, household_id: str) -> bool:
    return await _queued(services, household_id) == 0


async def _dead(worker: WorkerProcess, peer, before: int) -> bool:
    return peer.accepted > before and not worker.process.is_alive()


async def _accepted(peer, n: int) -> bool:
    return peer.accepted >= n
