"""What an operator sees of mail on a bad day: an SMTP outage is one WARNING when it starts and one INFO when it
ends (never a line per row), mail sent and failed are counted by kind, the release is in eenplan_build_info, and each
hourly job's last run is a gauge read from the database — no id, code, address or name in any of them."""

from __future__ import annotations

import dataclasses
import logging
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from prometheus_client import REGISTRY, generate_latest
from support.smtp import Peer, free_port

from eenplan.bootstrap import build_services
from eenplan.storage.engine import create_engine

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


def _value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _total(name: str, **fixed: str) -> float:
    """The sum of a counter's samples over every label set that matches `fixed`."""
    return sum(
        s.value
        for family in REGISTRY.collect()
        for s in family.samples
        if s.name == name and all(s.labels.get(k) == v for k, v in fixed.items())
    )


async def _sql(url: str, sql: str, **params: object) -> list[tuple]:
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.begin() as conn:
            result = await conn.execute(sa.text(sql), params)
            return [tuple(r) for r in result.all()] if result.returns_rows else []
    finally:
        await engine.dispose()


def _relay_lines(caplog, level: int) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == level and "SMTP relay" in r.getMessage()]


async def test_an_smtp_outage_is_one_warning_and_one_info_and_mail_is_counted_by_kind(mail_settings, caplog):
    from eenplan.demo import seed_demo

    port = free_port()  # nothing listens here yet: the relay is down
    settings = dataclasses.replace(mail_settings, smtp_url=f"smtp://127.0.0.1:{port}")
    services = build_services(settings)
    try:
        demo = await seed_demo(settings, services=services)
        ((waiting,),) = await _sql(settings.effective_database_url, "SELECT COUNT(*) FROM mail_outbox")
        assert waiting >= 2, "the demo queues mail"
        outbox = services.outbox
        assert outbox is not None
        caplog.set_level(logging.INFO)
        retried_before = _total("eenplan_mail_failed_total", outcome="retried")
        sent_before = _total("eenplan_mail_sent_total")

        down = await outbox.run_once()
        assert down.retried >= 2 and down.sent == 0
        (warning,) = _relay_lines(caplog, logging.WARNING)  # one line for the outage, not one per row
        assert "unreachable" in warning
        assert _value("eenplan_smtp_relay_up") == 0
        assert _total("eenplan_mail_failed_total", outcome="retried") - retried_before == down.retried
        assert not [r for r in caplog.records if r.levelno >= logging.WARNING and "outbox row" in r.getMessage()]

        peer = Peer()
        relay = Controller(peer, hostname="127.0.0.1", port=port)
        relay.start()
        try:
            await _sql(
                settings.effective_database_url, "UPDATE mail_outbox SET next_attempt_at = :t", t=datetime.now(UTC)
            )
            up = await outbox.run_once()
        finally:
            relay.stop()
        assert up.sent >= 2
        (info,) = _relay_lines(caplog, logging.INFO)
        assert "answers again" in info and f"{down.retried} failed send(s)" in info
        assert len(_relay_lines(caplog, logging.WARNING)) == 1
        assert _value("eenplan_smtp_relay_up") == 1
        assert _total("eenplan_mail_sent_total") - sent_before == up.sent
    finally:
        await services.close()

    text = generate_latest(REGISTRY).decode()
    mail_lines = [line for line in text.splitlines() if line.startswith(("eenplan_mail_", "eenplan_smtp_"))]
    assert mail_lines and not [line for line in mail_lines if UUID.search(line) or "@" in line]
    people = {b["name"] for b in demo["betrokkenen"]} | {demo["household"]["code"], demo["household"]["name"]}
    assert not [p for p in people if any(p in line for line in mail_lines)]
    for line in caplog.messages:
        if "SMTP relay" in line:
            assert "@" not in line and not UUID.search(line)


def test_a_refused_recipient_is_no_outage(caplog):
    from eenplan.web.mail_metrics import RelayWatch
    from eenplan_mail.smtp import SmtpPermanentFailure, SmtpTemporaryFailure

    watch = RelayWatch()
    caplog.set_level(logging.INFO)
    watch.failed(SmtpTemporaryFailure(450, "mailbox busy"))
    watch.failed(SmtpPermanentFailure(550, "no such user"))
    assert not watch.down and not _relay_lines(caplog, logging.WARNING)
    watch.failed(SmtpTemporaryFailure(421, "service not available"))
    watch.failed(SmtpTemporaryFailure(None, "ConnectionRefusedError"))
    assert watch.down and len(_relay_lines(caplog, logging.WARNING)) == 1


def test_the_release_is_a_metric():
    from eenplan.web.metrics import build_version

    assert build_version() != "" and _value("eenplan_build_info", version=build_version()) == 1


@pytest.mark.both_databases
async def test_each_hourly_job_s_last_run_and_retrying_rows_are_read_from_the_database(demo, settings):
    from eenplan.storage.metrics_reads import MetricsReads

    url = settings.effective_database_url
    ran = datetime(2026, 12, 1, 13, 0, 5, tzinfo=UTC)
    for job, at in (
        ("key-expiry", ran - timedelta(hours=1)),
        ("key-expiry", ran),
        ("OverlegService.due_reminders", ran),
    ):
        await _sql(
            url,
            "INSERT INTO job_claim (job, period, node, claimed_at) VALUES (:j, :p, 'w-1', :t)",
            j=job,
            p=at.strftime("%Y-%m-%dT%H"),
            t=at,
        )
    row = str(uuid.uuid4())
    await _sql(
        url,
        "INSERT INTO mail_outbox (id, household_id, recipient_id, kind, dedupe_key, status, attempts, "
        "next_attempt_at, created_at, last_error) VALUES (:id, :h, :r, 'notice', :d, 'queued', 2, :t, :t, 'SMTP 451')",
        id=row,
        h=demo["household"]["id"],
        r=demo["betrokkenen"][0]["id"],
        d=f"t-{row}",
        t=ran,
    )
    reads = MetricsReads(url)
    try:
        figures = {(name, label): value for name, label, value in await reads.read()}
    finally:
        await reads.close()
    last = "eenplan_periodic_job_last_run_timestamp_seconds"
    assert figures[(last, "key-expiry")] == ran.timestamp()
    assert figures[(last, "OverlegService.due_reminders")] == ran.timestamp()
    assert figures[("eenplan_outbox_retrying", "notice")] == 1
    assert figures[("eenplan_outbox_retrying", "plan_update")] == 0  # every kind present
