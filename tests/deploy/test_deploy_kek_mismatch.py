"""A node started with another EENPLAN_KEY_ENCRYPTION_KEY than the household keys were sealed with: the operator
sees one plain line (KEK ids, never the key) at start and at the first mail, and the mail waits instead of being
given up as a dead letter."""

from __future__ import annotations

import base64
import logging
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from support.clock import MovableClock
from support.operator_kit import sql

from eenplan.bootstrap import build_services, check_kek
from eenplan.config import Settings
from eenplan.domain.errors import PermanentFailure, TemporaryFailure
from eenplan.domain.key_ports import KeyEncryptionKeyMismatch
from eenplan_crypto.sealing import kek_id
from eenplan_crypto.testing import make_home, remove_home

SECRET = "test-secret-key-that-is-long-enough-0123456789"
DOMAIN = "eenplan.example"
KEK = base64.b64encode(bytes(range(32))).decode()
WRONG = base64.b64encode(bytes(range(100, 132))).decode()
LINE = "the household keys cannot be opened with this EENPLAN_KEY_ENCRYPTION_KEY"
pytestmark = pytest.mark.both_databases  # the start-up check's grouped count and the outbox's claim on both


@pytest.fixture
async def node(tmp_path, database_url, smtp_peer):
    """`await node(kek)`: services on the test's database with their own GnuPG home and this KEK."""
    started, homes = [], []

    async def start(kek: str):
        home = make_home()
        homes.append(home)
        settings = Settings(
            data_dir=tmp_path / f"node{len(started)}",
            database_url=database_url,
            secret_key=SECRET,
            gnupg_home=str(home),
            mail_domain=DOMAIN,
            smtp_url=smtp_peer[0],
            key_encryption_key=kek,
        )
        services = build_services(settings, clock=MovableClock())
        started.append((services, settings))
        return services, settings

    yield start
    for services, _settings in started:
        await services.close()
    for home in homes:
        remove_home(home)


def _errors(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR and LINE in r.getMessage()]


async def test_a_wrong_kek_is_named_once_at_start_and_once_at_the_first_mail_and_the_mail_waits(
    node, database_url, caplog
):
    from eenplan.demo import seed_demo

    right, settings = await node(KEK)
    demo = await seed_demo(settings, services=right)
    household = demo["household"]["id"]
    ((code,),) = await sql(database_url, "SELECT code FROM household WHERE id = :id", id=household)
    await right.mailgroup.signer(code)  # the key is made and stored, sealed under KEK
    await sql(database_url, "UPDATE mail_outbox SET status = 'sent'")  # only the row below is due
    row = str(uuid.uuid4())
    past = datetime.now(UTC) - timedelta(minutes=5)
    await sql(
        database_url,
        "INSERT INTO mail_outbox (id, household_id, recipient_id, kind, dedupe_key, status, attempts, "
        "next_attempt_at, created_at) VALUES (:id, :h, :r, 'notice', :d, 'queued', 0, :t, :t)",
        id=row,
        h=household,
        r=demo["betrokkenen"][0]["id"],
        d=f"test-{row}",
        t=past,
    )

    wrong, _ = await node(WRONG)
    caplog.set_level(logging.INFO)
    await check_kek(wrong)  # as serve, worker and inbound do at start
    (at_start,) = _errors(caplog)
    assert kek_id(base64.b64decode(KEK)) in at_start and kek_id(base64.b64decode(WRONG)) in at_start
    assert "1 household key(s)" in at_start
    assert KEK not in at_start and WRONG not in at_start and code not in at_start

    with pytest.raises(KeyEncryptionKeyMismatch) as refused:
        await wrong.mailgroup.signer(code)
    assert isinstance(refused.value, TemporaryFailure) and not isinstance(refused.value, PermanentFailure)
    assert kek_id(base64.b64decode(KEK)) in refused.value.detail and KEK not in refused.value.detail

    caplog.clear()
    assert wrong.outbox is not None
    for _ in range(settings.outbox_max_attempts + 2):  # more passes than a row has attempts
        await sql(database_url, "UPDATE mail_outbox SET next_attempt_at = :t WHERE id = :id", t=past, id=row)
        await wrong.outbox.run_once()
    ((status, error, attempts),) = await sql(
        database_url, "SELECT status, last_error, attempts FROM mail_outbox WHERE id = :id", id=row
    )
    assert status == "queued", "a configuration error of this node must not dead-letter the mail"
    assert attempts == 0, "waiting for the right key costs no attempt"
    assert LINE in error
    assert len(_errors(caplog)) <= 1  # this process said it already; never one line per row or per pass
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING and "outbox row" in r.getMessage()]


async def test_a_node_with_the_right_kek_says_nothing(node, caplog):
    from eenplan.demo import seed_demo

    right, settings = await node(KEK)
    demo = await seed_demo(settings, services=right)
    await right.mailgroup.signer(demo["household"]["code"])
    caplog.set_level(logging.INFO)
    await check_kek((await node(KEK))[0])
    assert not _errors(caplog)


async def test_a_node_with_a_wrong_kek_makes_no_new_household_key(node, database_url, caplog):
    """A key sealed under the wrong KEK would open on no rightly configured node: the wrong node refuses to make
    one (temporary) while the database holds keys it cannot open; with the right KEK the key is made."""
    from eenplan.demo import seed_demo

    right, settings = await node(KEK)
    demo = await seed_demo(settings, services=right)
    await right.mailgroup.signer(demo["household"]["code"])  # one key, sealed under KEK

    wrong, _ = await node(WRONG)
    caplog.set_level(logging.INFO)
    with pytest.raises(KeyEncryptionKeyMismatch) as refused:
        await wrong.mailgroup.signer("H-2026-NEW")
    assert kek_id(base64.b64decode(KEK)) in refused.value.detail and WRONG not in refused.value.detail
    new_key = "SELECT kek_id FROM household_key WHERE household_code = 'H-2026-NEW'"
    assert await sql(database_url, new_key) == []
    assert len(_errors(caplog)) == 1

    assert await (await node(KEK))[0].mailgroup.signer("H-2026-NEW")
    ((sealed_under,),) = await sql(database_url, new_key)
    assert sealed_under == kek_id(base64.b64decode(KEK))
