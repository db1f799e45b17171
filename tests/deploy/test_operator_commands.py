"""The operator's commands on a bad day: `eenplan outbox retry`, `eenplan keys status`, and every documented
`eenplan <command>` still parsing after cli.py was split by concept."""

from __future__ import annotations

import base64
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from support.cli import run_cli
from support.operator_kit import sql

from eenplan_crypto.sealing import kek_id

ROOT = Path(__file__).resolve().parents[2]
OTHER_KEK = base64.b64encode(bytes(range(200, 232))).decode()


def _env(settings, **extra: str) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "EENPLAN_DATABASE_URL": settings.effective_database_url,
        "EENPLAN_SECRET_KEY": settings.secret_key,
        "EENPLAN_DATA_DIR": str(settings.data_dir),
        "EENPLAN_KEY_ENCRYPTION_KEY": settings.key_encryption_key,
        **extra,
    }


async def _outbox_row(url: str, household_id: str, recipient_id: str, kind: str, status: str) -> str:
    row_id = str(uuid.uuid4())
    now = datetime.now(UTC)
    await sql(
        url,
        "INSERT INTO mail_outbox (id, household_id, recipient_id, kind, dedupe_key, status, attempts, "
        "next_attempt_at, created_at, last_error) VALUES (:id, :h, :r, :k, :d, :s, 8, :t, :t, 'relay refused')",
        id=row_id,
        h=household_id,
        r=recipient_id,
        k=kind,
        d=f"test-{row_id}",
        s=status,
        t=now - timedelta(hours=2),
    )
    return row_id


def _personal(demo) -> list[str]:
    people = demo["betrokkenen"]
    return [p["name"] for p in people] + [p["email"] for p in people if p.get("email")]


@pytest.mark.both_databases
async def test_outbox_retry_queues_dead_letters_again_by_row_household_or_all(demo, settings):
    url, household = settings.effective_database_url, demo["household"]["id"]
    person = demo["betrokkenen"][0]["id"]
    one = await _outbox_row(url, household, person, "plan_update", "dead")
    await _outbox_row(url, household, person, "plan_update", "dead")
    await _outbox_row(url, household, person, "notice", "dead")
    sent = await _outbox_row(url, household, person, "notice", "sent")

    by_row = run_cli("outbox", "retry", "--id", one, env=_env(settings))
    assert by_row.returncode == 0, by_row.stderr
    assert "plan_update: 1" in by_row.stdout and "1 dead letter(s) queued again" in by_row.stdout
    ((status, attempts, claimed),) = await sql(
        url, "SELECT status, attempts, claimed_by FROM mail_outbox WHERE id = :id", id=one
    )
    assert (status, attempts, claimed) == ("queued", 0, None)

    again = run_cli("outbox", "retry", "--id", one, env=_env(settings))  # no longer a dead letter
    assert again.returncode == 1 and "0 dead letter(s)" in again.stdout

    by_household = run_cli("outbox", "retry", "--household", household, env=_env(settings))
    assert by_household.returncode == 0, by_household.stderr
    assert "notice: 1" in by_household.stdout and "plan_update: 1" in by_household.stdout
    assert "2 dead letter(s) queued again" in by_household.stdout
    everything = run_cli("outbox", "retry", "--all", env=_env(settings))
    assert everything.returncode == 0 and "0 dead letter(s) queued again" in everything.stdout
    ((sent_status,),) = await sql(url, "SELECT status FROM mail_outbox WHERE id = :id", id=sent)
    assert sent_status == "sent"  # only dead letters move
    for text in _personal(demo):
        assert text not in by_row.stdout + by_household.stdout

    refused = run_cli("outbox", "retry", env=_env(settings))  # say which: nothing is re-queued by accident
    assert refused.returncode == 2 and "--all" in refused.stderr


@pytest.mark.both_databases
async def test_keys_status_names_the_kek_and_counts_without_names(demo, settings):
    url, household = settings.effective_database_url, demo["household"]["id"]
    current = kek_id(base64.b64decode(settings.key_encryption_key))
    ((code,),) = await sql(url, "SELECT code FROM household WHERE id = :id", id=household)
    await sql(
        url,
        "INSERT INTO household_key (household_code, fingerprint, public_armored, sealed_secret, kek_id, created_at) "
        "VALUES (:c, :f, 'armored', :b, :k, :t)",
        c=code,
        f="A" * 40,
        b=b"\x00" * 64,
        k=current,
        t=datetime(2026, 11, 30, tzinfo=UTC),
    )

    ok = run_cli("keys", "status", env=_env(settings))
    assert ok.returncode == 0, ok.stderr
    line = next(x for x in ok.stdout.splitlines() if x.startswith(household))
    assert f"signing key {'A' * 40} sealed under KEK {current} (current), made 2026-11-30" in line
    active = sum(1 for p in demo["betrokkenen"])
    assert f"betrokkenen: {active} active" in line
    assert "0 under an unknown KEK" in ok.stdout
    for text in [*_personal(demo), code, demo["household"]["name"]]:
        assert text not in ok.stdout + ok.stderr

    wrong = run_cli("keys", "status", env=_env(settings, EENPLAN_KEY_ENCRYPTION_KEY=OTHER_KEK))
    assert wrong.returncode == 1
    assert f"sealed under KEK {current} (UNKNOWN)" in wrong.stdout
    assert "1 under an unknown KEK" in wrong.stdout and "EENPLAN_KEY_ENCRYPTION_KEY" in wrong.stderr
    assert OTHER_KEK not in wrong.stdout + wrong.stderr and settings.key_encryption_key not in wrong.stdout

    current_kek = settings.key_encryption_key
    rotating = run_cli(
        "keys",
        "status",
        env=_env(settings, EENPLAN_KEY_ENCRYPTION_KEY=OTHER_KEK, EENPLAN_KEY_ENCRYPTION_KEY_PREVIOUS=current_kek),
    )
    assert rotating.returncode == 0 and f"KEK {current} (previous)" in rotating.stdout


def test_every_documented_command_still_parses():
    """cli.py was split by concept (cli_admin, cli_keys, cli_outbox, cli_households): every `eenplan <command>
    [<sub>]` the README and deploy/ name is still there."""
    texts = [(ROOT / "README.md").read_text(), *(p.read_text() for p in (ROOT / "deploy").rglob("*") if p.is_file())]
    named = {m.group(1, 2) for t in texts for m in re.finditer(r"\beenplan ([a-z][a-z-]+)(?: ([a-z][a-z-]+))?", t)}
    from eenplan.cli import main

    plain = {"serve", "worker", "inbound", "migrate", "demo", "settings", "monitoring-token", "monitoring-revoke"}
    plain |= {"factors-reset"}
    subs = {
        "audit": {"verify"},
        "keys": {"rotate", "status"},
        "household": {"open"},
        "outbox": {"retry"},
        "aanspreekpunt": {"add", "remove", "list"},
    }
    wanted = [[cmd, "--help"] for cmd, _sub in named if cmd in plain]
    wanted += [[cmd, sub, "--help"] for cmd, sub in named if sub in subs.get(cmd, ())]  # else prose ("outbox worker")
    assert {"audit", "keys", "household", "factors-reset", "monitoring-token", "outbox"} <= {a[0] for a in wanted}
    assert ["outbox", "retry", "--help"] in wanted and ["keys", "status", "--help"] in wanted
    for args in wanted:
        with pytest.raises(SystemExit) as done:
            main(args)
        assert done.value.code == 0, args


async def _dead(url: str, household_id: str, recipient_id: str, kind: str, **extra: object) -> str:
    row_id = str(uuid.uuid4())
    created = extra.pop("created", datetime.now(UTC) - timedelta(minutes=1))
    await sql(
        url,
        "INSERT INTO mail_outbox (id, household_id, recipient_id, kind, dedupe_key, version, status, attempts, "
        "next_attempt_at, created_at, last_error) VALUES (:id, :h, :r, :k, :d, :v, :s, 8, :t, :c, 'relay refused')",
        id=row_id,
        h=household_id,
        r=recipient_id,
        k=kind,
        d=extra.pop("dedupe", f"test-{row_id}"),
        v=extra.pop("version", None),
        s=extra.pop("status", "dead"),
        t=created,
        c=created,
    )
    return row_id


@pytest.mark.both_databases
async def test_outbox_retry_leaves_out_mail_people_would_see_stale(demo, settings):
    """A plan update whose recipient already got a newer version, a sign-in link past its 10 minutes and an invite
    for an overleg that has ended are not sent again: marked skipped and counted by kind and reason; the rest is."""
    url, household = settings.effective_database_url, demo["household"]["id"]
    person, other = demo["betrokkenen"][0]["id"], demo["betrokkenen"][1]["id"]
    ((code,),) = await sql(url, "SELECT code FROM household WHERE id = :id", id=household)
    await sql(url, "DELETE FROM mail_outbox")
    old_update = await _dead(url, household, person, "plan_update", version=2)
    await _dead(url, household, person, "plan_update", version=3, status="sent")
    fresh_update = await _dead(url, household, other, "plan_update", version=3)
    older_of_two = await _dead(url, household, other, "plan_update", version=1)
    old_link = await _dead(url, household, person, "signin_link", created=datetime.now(UTC) - timedelta(minutes=30))
    new_link = await _dead(url, household, other, "signin_link")
    invites = {}
    for when in ("past", "coming"):
        overleg, start = str(uuid.uuid4()), datetime.now(UTC) + timedelta(days=-2 if when == "past" else 2)
        await sql(
            url,
            "INSERT INTO overleg (id, household_id, type, status, start_at, end_at, agenda, uid, sequence, revision, "
            "created_by, created_at) VALUES (:id, :h, 'voortgang', 'gepland', :s, :e, '', :u, 0, 0, :b, :s)",
            id=overleg,
            h=household,
            s=start,
            e=start + timedelta(hours=1),
            u=f"{overleg}@test",
            b=person,
        )
        invites[when] = await _dead(url, household, person, "invite", dedupe=f"overleg:{overleg}:r0:REQUEST")

    done = run_cli("outbox", "retry", "--household", code, env=_env(settings))  # the code works as the id does
    assert done.returncode == 0, done.stderr
    assert {"plan_update: 1", "signin_link: 1", "invite: 1"} <= set(done.stdout.splitlines())
    assert "3 dead letter(s) queued again" in done.stdout
    assert "skipped, superseded: plan_update: 2" in done.stdout
    assert "skipped, expired: signin_link: 1" in done.stdout and "skipped, past: invite: 1" in done.stdout
    assert "4 dead letter(s) skipped" in done.stdout
    status = dict(await sql(url, "SELECT id, status FROM mail_outbox"))
    assert status[fresh_update] == status[new_link] == status[invites["coming"]] == "queued"
    assert status[old_update] == status[older_of_two] == status[old_link] == status[invites["past"]] == "skipped"
    for text in [*_personal(demo), code]:
        assert text not in done.stdout.replace(f"--household {code}", "")

    unknown = run_cli("outbox", "retry", "--household", "H-NO-SUCH", env=_env(settings))
    assert unknown.returncode == 1 and "no household" in unknown.stderr
