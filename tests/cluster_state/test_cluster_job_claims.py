"""Hourly jobs across nodes: a job that fails on one node gives its hour back, so another node runs it that
same hour (it is not skipped for good because the same worker always claims first); jobs go by explicit names."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.both_databases


@pytest.fixture
def settings(mail_settings):
    """Mail on (so each node has an outbox worker) and the shared state on."""
    return dataclasses.replace(mail_settings, shared_state="on")


async def test_a_job_failing_on_node_a_runs_on_node_b_the_same_hour(services, node_b) -> None:
    ran: list[str] = []

    async def failing_on_a() -> None:
        raise RuntimeError("node A cannot reach the mail server")

    async def working_on_b() -> None:
        ran.append("b")

    services.outbox.periodic.append(("test-reminders", failing_on_a))
    node_b.outbox.periodic.append(("test-reminders", working_on_b))
    await services.outbox._run_periodic()  # A claims first, and fails
    await node_b.outbox._run_periodic()
    assert ran == ["b"]
    await asyncio.gather(services.outbox._run_periodic(), node_b.outbox._run_periodic())
    assert ran == ["b"]  # B's run holds the hour
    async with services.mailgroup._uow() as uow:
        jobs = (await uow.session.execute(sa.text("SELECT job, node FROM job_claim"))).all()
    assert ("test-reminders", node_b.outbox.worker_id) in [tuple(row) for row in jobs]
