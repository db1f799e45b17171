"""Journaal retention (EENPLAN_JOURNAAL_RETENTION_DAYS): a household's journaal is deleted that many days after it
entered phase 6 (afsluiten), by the outbox worker's hourly job (claimed once per cluster); a household that reopens
keeps it; journaal mail still queued for a deleted message is never sent."""

from __future__ import annotations

import dataclasses

import pytest
from support.mail_helpers import drain
from support.outbox_kills import outbox_rows

from eenplan.config import Settings
from eenplan.domain.access import Principal
from eenplan.domain.errors import ValidationFailed
from eenplan.domain.household import Phase
from eenplan.domain.mailgroup import OutboxKind, OutboxStatus

JOB = "JournaalRetention.delete_expired"
#: one DELETE with a correlated subquery, and the claims: both databases
pytestmark = pytest.mark.both_databases


@pytest.fixture
def settings(mail_settings) -> Settings:
    """Mail on (the outbox worker runs the hourly jobs), claims in the database as on a cluster, 30 days."""
    return dataclasses.replace(mail_settings, second_factor="off", shared_state="on", journaal_retention_days=30)


def _people(demo) -> tuple[str, Principal, Principal]:
    hid = demo["household"]["id"]
    return hid, Principal(demo["by_name"]["Fatima El Amrani"]["id"], hid), Principal(demo["regisseur"]["id"], hid)


async def _messages(services, fatima: Principal) -> list[str]:
    return [s.message.text for s in (await services.journaal.page(fatima, fatima.household_id)).messages]


async def _hourly(services, clock) -> None:
    """The worker's hourly pass, an hour after the last one (a new claim period)."""
    clock.advance(hours=1)
    await services.outbox._run_periodic()


async def test_the_journaal_goes_after_the_retention_and_its_queued_mail_is_skipped(services, demo, clock, smtp_peer):
    _, peer = smtp_peer
    hid, fatima, sanne = _people(demo)
    await services.journaal.write(fatima, hid, None, "Bericht van Fatima RETENTIE-1")
    await services.households.change_phase(sanne, hid, Phase.AFSLUITEN, "afgerond")
    queued = [r for r in await outbox_rows(services, hid) if r.kind is OutboxKind.JOURNAAL]
    assert queued and all(r.status is OutboxStatus.QUEUED for r in queued)  # never sent before the deletion

    clock.advance(days=29, hours=22)
    await _hourly(services, clock)
    assert await _messages(services, fatima) == ["Bericht van Fatima RETENTIE-1"]  # 29 days and 23 hours: kept
    await _hourly(services, clock)
    assert await _messages(services, fatima) == []
    async with services.mailgroup._uow() as uow:
        assert await uow.journaal.in_groups(hid, [None], 10) == []

    await drain(services.outbox)
    rows = {r.id: r for r in await outbox_rows(services, hid)}
    assert all(rows[r.id].status is OutboxStatus.SKIPPED and rows[r.id].sent_at is None for r in queued)
    recipients = {b["email"] for b in demo["betrokkenen"] if b["id"] in {r.recipient_id for r in queued}}
    assert not [rcpt for rcpt, raw in peer.messages if rcpt in recipients and b"journaal" in raw.lower()]


async def test_a_reopened_household_keeps_its_journaal_and_the_days_count_from_the_last_closing(services, demo, clock):
    hid, fatima, sanne = _people(demo)
    await services.journaal.write(fatima, hid, None, "Bericht RETENTIE-2")
    await services.households.change_phase(sanne, hid, Phase.AFSLUITEN, "afgerond")
    clock.advance(days=10)
    await services.households.change_phase(sanne, hid, Phase.VOORTGANG, "toch verder")
    clock.advance(days=40)
    await _hourly(services, clock)
    assert await _messages(services, fatima) == ["Bericht RETENTIE-2"]  # not closed now
    await services.households.change_phase(sanne, hid, Phase.AFSLUITEN, "nu echt")
    clock.advance(days=29)
    await _hourly(services, clock)
    assert await _messages(services, fatima) == ["Bericht RETENTIE-2"]  # 29 days since the last closing
    clock.advance(days=1)
    await _hourly(services, clock)
    assert await _messages(services, fatima) == []


async def test_the_job_runs_once_an_hour_across_the_cluster(services, demo, clock):
    hid, fatima, sanne = _people(demo)
    await services.journaal.write(fatima, hid, None, "Bericht RETENTIE-3")
    await services.households.change_phase(sanne, hid, Phase.AFSLUITEN, "afgerond")
    clock.advance(days=31)
    claims = services.outbox.claims
    assert claims is not None
    assert await claims.claim(JOB, clock().strftime("%Y-%m-%dT%H"), "another-node", clock())  # another node's hour
    await services.outbox._run_periodic()
    assert await _messages(services, fatima) == ["Bericht RETENTIE-3"]  # that node runs it this hour, not this one
    await _hourly(services, clock)
    assert await _messages(services, fatima) == []


def test_the_setting_is_typed_and_bounded():
    assert Settings.from_env({"EENPLAN_JOURNAAL_RETENTION_DAYS": "90"}).journaal_retention_days == 90
    assert Settings.from_env({}).journaal_retention_days == 365
    for bad in ("0", "-5"):
        with pytest.raises(ValidationFailed):
            Settings.from_env({"EENPLAN_JOURNAAL_RETENTION_DAYS": bad})
