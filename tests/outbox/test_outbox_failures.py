"""SMTP trouble, dead letters, a worker killed mid-send, and two workers on PostgreSQL."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import replace

import pytest
from support.mail_helpers import bearer, drain, upload_keys

from eenplan.bootstrap import build_services

PEOPLE = (
    "Sanne de Vries",
    "Fatima El Amrani",
    "Youssef El Amrani",
    "Khadija El Amrani",
    "Joost Willems",
    "Inge Bakker",
)


async def _change(client, demo, text: str) -> int:
    hh = demo["household"]["id"]
    resp = await client.patch(
        f"/api/households/{hh}/plan",
        headers={**bearer(demo["regisseur"]), "If-Match": "*"},
        json={
            "analyse": {"analyse": text, "gewenst_perspectief": ""},
            "algemeen": {"coordinatie": text},  # a change everyone sees: nobody is skipped as unchanged
        },
    )
    assert resp.status == 200, await resp.text()
    return (await resp.json())["version"]


async def test_4xx_retries_5xx_and_exhausted_rows_become_visible_dead_letters(
    client, demo, services, smtp_peer, person_keys
):
    _, peer = smtp_peer
    await drain(services.outbox)
    peer.messages.clear()
    await upload_keys(client, demo, person_keys, PEOPLE)
    worker = services.outbox
    worker.settings = replace(worker.settings, max_attempts=3, backoff_seconds=0.05)
    joost = demo["by_name"]["Joost Willems"]["email"]
    inge = demo["by_name"]["Inge Bakker"]["email"]
    youssef = demo["by_name"]["Youssef El Amrani"]["email"]
    peer.replies = {
        joost: ["451 4.3.0 Try again later"],
        inge: ["550 5.1.1 No such user"],
        youssef: ["421 4.7.0 Busy", "250 OK"],
    }  # Youssef: one temporary failure, then fine
    version = await _change(client, demo, "Retry-test")
    first = await worker.run_once()
    assert first.retried == 2 and first.dead == 1  # Joost and Youssef retry, Inge's 550 is final
    for _ in range(40):
        await asyncio.sleep(0.1)
        await worker.run_once()
        hh = demo["household"]["id"]
        queued = await (
            await client.get(f"/api/households/{hh}/mail/outbox?status=queued", headers=bearer(demo["regisseur"]))
        ).json()
        if not queued["messages"]:
            break
    hh = demo["household"]["id"]
    dead = (
        await (
            await client.get(f"/api/households/{hh}/mail/outbox?status=dead", headers=bearer(demo["regisseur"]))
        ).json()
    )["messages"]
    by_recipient = {m["recipient_id"]: m for m in dead if m["version"] == version}
    joost_row = by_recipient[demo["by_name"]["Joost Willems"]["id"]]
    inge_row = by_recipient[demo["by_name"]["Inge Bakker"]["id"]]
    assert "451" in joost_row["last_error"] and joost_row["attempts"] == 3
    assert "550" in inge_row["last_error"] and inge_row["attempts"] == 1
    assert len(by_recipient) == 2
    delivered = {rcpt for rcpt, _ in peer.messages}
    assert youssef in delivered and joost not in delivered and inge not in delivered
    assert len(delivered) == len(PEOPLE) - 2  # the others went through meanwhile

    peer.replies = {}  # the relay is fixed; the regisseur retries the dead letter
    resp = await client.post(
        f"/api/households/{hh}/mail/outbox/{joost_row['id']}/retry", headers=bearer(demo["regisseur"])
    )
    assert resp.status == 202
    await drain(worker)
    assert joost in {rcpt for rcpt, _ in peer.messages}


async def test_worker_killed_after_250_resends_with_the_same_message_id(client, demo, services, smtp_peer, person_keys):
    _, peer = smtp_peer
    await drain(services.outbox)
    peer.messages.clear()
    await upload_keys(client, demo, person_keys, PEOPLE)
    worker = services.outbox
    worker.settings = replace(worker.settings, lease_seconds=0.5, max_attempts=5)
    gateway = worker.gateway
    real_send = gateway.send_sealed
    accepted = asyncio.Event()

    async def send_then_crash(sealed, envelope):
        await real_send(sealed, envelope)  # the relay answered 250 ...
        accepted.set()
        current = asyncio.current_task()
        if current is not None and current.cancelling():  # Python 3.11's wait_for (in aiosmtplib) can swallow a
            raise asyncio.CancelledError  # cancel that meets the 250: the "crash" is then already under way
        await asyncio.Event().wait()  # ... and the worker dies before marking the row sent

    gateway.send_sealed = send_then_crash
    await _change(client, demo, "Crash-test")
    task = asyncio.create_task(worker.run_once())
    await asyncio.wait_for(accepted.wait(), 30)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    crashed = list(peer.messages)
    assert crashed

    gateway.send_sealed = real_send  # restart: after the lease, the rows are claimed again
    await asyncio.sleep(0.6)
    await drain(worker)
    got = Counter(rcpt for rcpt, _ in peer.messages)
    emails = {demo["by_name"][n]["email"] for n in PEOPLE}
    assert set(got) == emails  # every recipient at least once
    ids: dict[str, set[str]] = {}
    for rcpt in emails:
        for msg in peer.to(rcpt):
            ids.setdefault(rcpt, set()).add(msg["Message-ID"])
    assert all(len(v) == 1 for v in ids.values())  # duplicates carry the same Message-ID
    assert any(n == 2 for n in got.values())  # the crashed one was indeed sent twice


async def test_two_workers_on_postgresql_send_no_duplicates(
    client, demo, services, settings, smtp_peer, person_keys, database_url
):
    if not database_url.startswith("postgresql"):
        pytest.skip("FOR UPDATE SKIP LOCKED is the PostgreSQL path; SQLite runs one worker")
    _, peer = smtp_peer
    await drain(services.outbox)
    peer.messages.clear()
    await upload_keys(client, demo, person_keys, PEOPLE)
    other = build_services(settings)
    try:
        for n in range(3):
            await _change(client, demo, f"Twee workers {n}")
        for w in (services.outbox, other.outbox):
            w.settings = replace(w.settings, batch=4)
        for _ in range(20):
            a, b = await asyncio.gather(services.outbox.run_once(), other.outbox.run_once())
            if not a.claimed and not b.claimed:
                break
        pairs = Counter((rcpt, msg["Message-ID"]) for rcpt in {r for r, _ in peer.messages} for msg in peer.to(rcpt))
        assert len(pairs) == 3 * len(PEOPLE)
        assert max(pairs.values()) == 1
    finally:
        await other.close()
