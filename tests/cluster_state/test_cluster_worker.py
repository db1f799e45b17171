"""Workers scale out (issue 15 item 2): a worker on one node is woken by mail queued on another (PostgreSQL
NOTIFY; the poll is only the fallback), and an hourly job run by the workers of two nodes runs once an hour."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta

import pytest
import sqlalchemy as sa
from support.mail_helpers import drain

pytestmark = pytest.mark.both_databases

#: long enough that a mail sent within WAIT_SECONDS can only have been sent because the worker was woken
POLL_SECONDS = 600
WAIT_SECONDS = 20


@pytest.fixture
def settings(mail_settings):
    """Mail on (the aiosmtpd peer), the shared state on, and a worker that would sleep ten minutes unless woken."""
    return dataclasses.replace(mail_settings, shared_state="on", outbox_poll_seconds=POLL_SECONDS)


async def until(predicate, seconds: float = WAIT_SECONDS) -> bool:
    for _ in range(int(seconds / 0.05)):
        if predicate():
            return True
        await asyncio.sleep(0.05)
    return predicate()


async def stop(worker, task) -> None:
    worker.stop()
    await asyncio.wait_for(task, 30)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_sign_in_link_asked_on_node_b_is_sent_by_the_worker_on_node_a_at_once(
    services, node_b, demo, smtp_peer
):
    _, peer = smtp_peer
    fatima = demo["by_name"]["Fatima El Amrani"]["email"]
    worker = services.outbox
    await drain(worker)  # the demo's own rows: the worker starts with nothing to do
    await drain(node_b.outbox)
    task = asyncio.create_task(worker.run_forever())
    try:
        assert worker.wake_source is not None
        await asyncio.wait_for(worker.wake_source.listening.wait(), WAIT_SECONDS)
        await until(lambda: False, 1.0)  # its first passes are done: it waits for a wake-up, or ten minutes
        peer.messages.clear()
        await node_b.signin.request_link(email=fatima, client_ip="192.0.2.1")  # node B has no worker running
        await node_b.signin.settle()
        assert await until(lambda: bool(peer.to(fatima))), "node A's worker was not woken by node B's commit"
        assert len(peer.to(fatima)) == 1
    finally:
        await stop(worker, task)


async def test_an_hourly_job_on_the_workers_of_two_nodes_runs_once_an_hour(services, node_b, clock):
    ran: list[str] = []

    async def reminders() -> None:  # the same job on both nodes, as bootstrap registers it on each
        ran.append("run")

    for node in (services, node_b):
        node.outbox.periodic.append(reminders)
    await asyncio.gather(services.outbox._run_periodic(), node_b.outbox._run_periodic())
    assert ran == ["run"]
    await asyncio.gather(services.outbox._run_periodic(), node_b.outbox._run_periodic())
    assert ran == ["run"]  # the same hour: claimed already
    clock.advance(timedelta(hours=1))
    await asyncio.gather(node_b.outbox._run_periodic(), services.outbox._run_periodic())
    assert ran == ["run", "run"]
    async with services.mailgroup._uow() as uow:
        claims = (await uow.session.execute(sa.text("SELECT job, period FROM job_claim"))).all()
    assert {job for job, _ in claims} >= {"key-expiry", reminders.__qualname__}


async def test_two_workers_started_together_warn_of_expiring_keys_once(services, node_b):
    """The workers' own first pass (key-expiry warnings and the registered jobs) runs on one node only."""
    ran: list[str] = []

    async def job() -> None:
        ran.append("run")

    tasks = []
    for node in (services, node_b):
        node.outbox.periodic.append(job)
        tasks.append(asyncio.create_task(node.outbox.run_forever()))
    try:
        assert await until(lambda: bool(ran))
        await until(lambda: len(ran) > 1, 2.0)
    finally:
        for node, task in zip((services, node_b), tasks, strict=True):
            await stop(node.outbox, task)
    assert ran == ["run"]
