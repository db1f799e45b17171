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
from aiosmtpd.controller import Controller
from prometheus_client import REGISTRY, generate_latest
from support.operator_kit import sql
from support.smtp import Peer, free_port

from eenplan.bootstrap import build_services

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


def _relay_lines(caplog, level: int) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == level and "SMTP relay" in r.getMessage()]


async def test_an_smtp_outage_is_one_warning_and_one_info_and_mail_is_counted_by_kind(
    mail_settings, caplog, monkeypatch
):
    from eenplan.demo import seed_demo
    from eenplan.web import mail_metrics

    monkeypatch.setattr(mail_metrics, "QUIET_SECONDS", 0.0)  # the relay has been quiet long enough when it is back

    port = free_port()  # nothing listens here yet: the relay is down
    settings = dataclasses.replace(mail_settings, smtp_url=f"smtp://127.0.0.1:{port}")
    services = build_services(settings)
    try:
        demo = await seed_demo(settings, services=services)
        ((waiting,),) = await sql(settings.effective_database_url, "SELECT COUNT(*) FROM mail_outbox")
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
            await sql(
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


class _Refusing(Peer):
    async def handle_DATA(self, server, session, envelope):
        return "554 5.7.1 Relay access denied"


async def test_a_dead_letter_is_one_warning_with_kind_row_and_code_and_no_address(mail_settings, caplog):
    from eenplan.demo import seed_demo

    port = free_port()
    relay = Controller(_Refusing(), hostname="127.0.0.1", port=port)
    relay.start()
    settings = dataclasses.replace(mail_settings, smtp_url=f"smtp://127.0.0.1:{port}")
    services = build_services(settings)
    try:
        await seed_demo(settings, services=services)
        assert services.outbox is not None
        caplog.set_level(logging.INFO)
        stats = await services.outbox.run_once()
    finally:
        relay.stop()
        await services.close()
    rows = await sql(settings.effective_database_url, "SELECT id, kind FROM mail_outbox WHERE status = 'dead'")
    assert stats.dead >= 2 and len(rows) == stats.dead
    lines = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and "dead letter" in r.getMessage()]
    assert len(lines) == len(rows)
    for row_id, kind in rows:
        (line,) = [line for line in lines if str(row_id) in line]
        assert f"({kind})" in line and "SMTP 554" in line
    assert not [line for line in lines if "@" in line or "Relay access" in line]


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _watch():
    from eenplan.web.mail_metrics import RelayWatch

    clock = _Clock()
    return RelayWatch(clock), clock


@pytest.mark.parametrize(
    ("code", "reason"),
    [(554, "5.7.1 Relay access denied"), (535, "5.7.8 Authentication credentials invalid"), (451, "4.3.0 try later")],
)
def test_a_relay_refusing_every_message_is_one_warning(code, reason, caplog):
    from eenplan_mail.smtp import SmtpPermanentFailure, SmtpTemporaryFailure

    failure = SmtpPermanentFailure if code >= 500 else SmtpTemporaryFailure
    watch, clock = _watch()
    caplog.set_level(logging.INFO)
    for _ in range(12):
        clock.now += 1
        watch.failed(failure(code, reason))
    (warning,) = _relay_lines(caplog, logging.WARNING)
    assert f"reply {code}" in warning and "@" not in warning
    assert watch.down and _value("eenplan_smtp_relay_up") == 0


def test_one_recipient_refused_now_and_then_is_no_outage(caplog):
    from eenplan_mail.smtp import SmtpPermanentFailure

    watch, _clock = _watch()
    caplog.set_level(logging.INFO)
    for _ in range(10):
        watch.failed(SmtpPermanentFailure(550, "5.1.1 user unknown"))
        watch.failed(SmtpPermanentFailure(554, "5.7.1 this recipient refuses it"))
        watch.sent()
    assert not watch.down and not _relay_lines(caplog, logging.WARNING)


def test_a_relay_refusing_half_the_connections_is_one_outage_and_stays_down(caplog):
    """421 to every other send (the reviewer's flapping relay): one WARNING, no INFO, the gauge 0 throughout; the
    end comes after enough successes in a row, once."""
    from eenplan_mail.smtp import SmtpTemporaryFailure

    watch, clock = _watch()
    caplog.set_level(logging.INFO)
    for _ in range(40):
        clock.now += 0.5
        watch.failed(SmtpTemporaryFailure(421, "4.7.0 Too many connections"))
        clock.now += 0.5
        watch.sent()
        assert _value("eenplan_smtp_relay_up") == 0
    assert len(_relay_lines(caplog, logging.WARNING)) == 1 and not _relay_lines(caplog, logging.INFO)
    for _ in range(20):
        watch.sent()
    (info,) = _relay_lines(caplog, logging.INFO)
    assert "answers again" in info and "40 failed send(s)" in info
    assert not watch.down and _value("eenplan_smtp_relay_up") == 1


def test_after_a_quiet_period_one_success_ends_the_outage(caplog):
    from eenplan_mail.smtp import SmtpTemporaryFailure

    watch, clock = _watch()
    caplog.set_level(logging.INFO)
    watch.failed(SmtpTemporaryFailure(None, "ConnectionRefusedError"))
    clock.now += 600
    watch.sent()
    assert len(_relay_lines(caplog, logging.INFO)) == 1 and not watch.down


def test_the_relay_is_unknown_before_the_first_send():
    """A process that has not sent yet exports no eenplan_smtp_relay_up (a 1 there would hide an outage from
    `min()` over the workers)."""
    import subprocess
    import sys

    script = (
        "from prometheus_client import REGISTRY, generate_latest\n"
        "from eenplan.web.mail_metrics import RelayWatch\n"
        "RelayWatch()\n"
        "text = generate_latest(REGISTRY).decode()\n"
        "assert 'eenplan_smtp_relay_up' not in text, text\n"
        "RelayWatch().sent()\n"
        "assert 'eenplan_smtp_relay_up 1.0' in generate_latest(REGISTRY).decode()\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True)


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
        await sql(
            url,
            "INSERT INTO job_claim (job, period, node, claimed_at) VALUES (:j, :p, 'w-1', :t)",
            j=job,
            p=at.strftime("%Y-%m-%dT%H"),
            t=at,
        )
    row = str(uuid.uuid4())
    await sql(
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


def test_the_release_tells_releases_apart(tmp_path):
    """Two releases side by side report their directory's name (the package version is 0.1.0 in both), a git
    checkout its commit: `count(count by (version) (eenplan_build_info))` can see a rolling upgrade unfinished."""
    import subprocess

    from eenplan.web.metrics import build_version

    for release in ("2026.12.1", "2026.12.2"):
        code = tmp_path / "srv" / "eenplan-releases" / release / "server" / "eenplan" / "web" / "metrics.py"
        code.parent.mkdir(parents=True)
        code.write_text("")
        assert build_version(code) == release
    link = tmp_path / "srv" / "eenplan"
    link.symlink_to(tmp_path / "srv" / "eenplan-releases" / "2026.12.2")
    assert build_version(link / "server" / "eenplan" / "web" / "metrics.py") == "2026.12.2"  # the real path's

    checkout = tmp_path / "checkout"
    code = checkout / "server" / "eenplan" / "web" / "metrics.py"
    code.parent.mkdir(parents=True)
    code.write_text("")
    (checkout / "pyproject.toml").write_text("")
    git = ["git", "-C", str(checkout), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "one"], check=True)
    commit = subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()
    assert build_version(code) == commit[:12]
    subprocess.run([*git, "pack-refs", "--all"], check=True)  # the ref only in packed-refs
    assert build_version(code) == commit[:12]
