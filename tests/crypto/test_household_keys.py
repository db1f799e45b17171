"""Household keys and pinned keys live in the database (issue 15): two nodes on one database, each with its own
GnuPG home, sign with the same household key and encrypt to keys pinned through the other; a home is a cache."""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import shutil
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from support.clock import MovableClock

from eenplan.bootstrap import build_services, check_key_encryption_key
from eenplan.config import Settings
from eenplan.domain.errors import ValidationFailed
from eenplan.domain.key_ports import KeyEncryptionKeyMismatch
from eenplan.domain.mailgroup import group_address
from eenplan.domain.mailgroup_ports import Envelope
from eenplan.services.container import Services
from eenplan.services.household_keys import HouseholdKeys
from eenplan.storage.engine import create_engine
from eenplan_crypto.keyring import Keyring
from eenplan_crypto.sealing import SealError
from eenplan_crypto.testing import create_keys, gpg_status, make_home, remove_home, run_gpg
from eenplan_mail.pgpmime import extract_signed_parts

pytestmark = pytest.mark.both_databases

SECRET = "test-secret-key-that-is-long-enough-0123456789"
DOMAIN = "eenplan.example"
CODE = "k3x9"
KEK = base64.b64encode(bytes(range(32))).decode()
KEK2 = base64.b64encode(bytes(range(100, 132))).decode()


@dataclass
class Node:
    """One app node: its own services (bootstrap) and GnuPG home, on the shared database."""

    services: Services
    settings: Settings
    home: Path
    keyring: Keyring  # a second handle on the node's home, to look inside it and sign like the node does

    @property
    def keys(self) -> HouseholdKeys:
        keys = self.services.mailgroup.household_keys
        assert keys is not None
        return keys


@pytest.fixture(scope="module")
def member():
    """A betrokkene's key pair in its own home (their mail client)."""
    keys = create_keys({"alice": ("good", "Alice <alice@example.org>")})
    yield keys["alice"]
    keys["alice"].cleanup()


@pytest.fixture
async def nodes(tmp_path, database_url, smtp_peer):
    """Start nodes on the test's database: `await nodes(home=None, kek=KEK, previous="")`."""
    started: list[Node] = []
    homes: list[Path] = []

    async def start(home: Path | None = None, kek: str = KEK, previous: str = "", clock=None) -> Node:
        if home is None:
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
            key_encryption_key_previous=previous,
        )
        node = Node(build_services(settings, clock=clock or MovableClock()), settings, home, Keyring(home))
        started.append(node)
        return node

    yield start
    for node in started:
        await node.keyring.aclose()
        await node.services.close()
    for home in homes:
        remove_home(home)


def _verify_detached(tmp_path: Path, public: str, data: bytes, signature: bytes) -> str:
    """Verify with the gpg CLI in a home holding only `public`; the signing key's fingerprint (or '')."""
    verifier = make_home()
    try:
        run_gpg(verifier, "--import", input=public.encode())
        (tmp_path / "part").write_bytes(data)
        (tmp_path / "part.asc").write_bytes(signature)
        proc = run_gpg(verifier, "--status-fd", "2", "--verify", str(tmp_path / "part.asc"), str(tmp_path / "part"))
        good = [v.split() for kw, v in gpg_status(proc) if kw == "VALIDSIG"]
        return good[0][9] if proc.returncode == 0 and good else ""
    finally:
        remove_home(verifier)


async def _rows(database_url: str, statement: str) -> list[tuple]:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as conn:
            return [tuple(r) for r in (await conn.execute(sa.text(statement))).all()]
    finally:
        await engine.dispose()


async def _execute(database_url: str, statement: str, **params: object) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text(statement), params)
    finally:
        await engine.dispose()


async def test_a_key_made_on_one_node_signs_mail_on_another(nodes, smtp_peer, tmp_path, database_url):
    a, b = await nodes(), await nodes()
    made = await a.services.mailgroup.signer(CODE)
    assert not await b.keyring.has_secret(made)  # B's home has never seen it
    assert await b.services.mailgroup.signer(CODE) == made
    assert await b.keyring.has_secret(made)  # imported from the database, unsealed

    envelope = Envelope(
        from_addr=group_address(CODE, DOMAIN),
        from_name="eenplan",
        to_addr="alice@example.org",
        subject="Nieuws over uw plan",
        message_id="<m1@eenplan.example>",
        list_id=f"<{CODE}.{DOMAIN}>",
        date=datetime.now(UTC),
    )
    assert b.services.outbox is not None
    await b.services.outbox.gateway.send_notice(
        envelope, link="https://plan.example.org", text="Er is nieuws.", signer_fpr=made
    )
    raw = smtp_peer[1].messages[-1][1]
    signed, signature, _micalg = extract_signed_parts(raw)
    (public,) = await _rows(database_url, "SELECT public_armored FROM household_key")
    assert _verify_detached(tmp_path, public[0], signed, signature) == made  # a real signature, the one key


async def test_a_key_pinned_through_one_node_encrypts_on_another(nodes, member):
    a, b = await nodes(), await nodes()
    entry = await a.services.aanspreekpunten.add(
        "Maastricht", "Anna Pinto", "a.pinto@example.org", member.armored_public
    )
    assert not await b.keyring.has_public(entry.fingerprint)
    assert await b.services.mailgroup.key_usable(entry.fingerprint)  # imported from the database
    signer = await b.services.mailgroup.signer(CODE)
    sealed = await b.keyring.sign_encrypt(b"alleen voor Anna", [entry.fingerprint], signer)
    assert member.decrypt(sealed)[0] == b"alleen voor Anna"


async def test_an_emptied_home_is_rebuilt_from_the_database(nodes, member):
    a = await nodes()
    made = await a.services.mailgroup.signer(CODE)
    pinned = await a.services.aanspreekpunten.add("Heerlen", "Bo Smit", "b.smit@example.org", member.armored_public)
    home = make_home()
    try:
        b = await nodes(home)
        assert await b.services.mailgroup.signer(CODE) == made
        await b.keyring.aclose()
        await b.services.close()
        remove_home(home)  # rm -rf, gpg-agent stopped
        assert not home.exists()
        again = await nodes(home)
        assert await again.services.mailgroup.signer(CODE) == made
        assert await again.keyring.has_secret(made)
        assert await again.services.mailgroup.key_usable(pinned.fingerprint)
        sealed = await again.keyring.sign_encrypt(b"na herstel", [pinned.fingerprint], made)
        assert member.decrypt(sealed)[0] == b"na herstel"
    finally:
        remove_home(home)


async def test_a_home_emptied_while_the_node_runs_is_rebuilt_within_a_minute(nodes):
    made = await (await nodes()).services.mailgroup.signer(CODE)
    clock = MovableClock()
    b = await nodes(clock=clock)
    assert await b.services.mailgroup.signer(CODE) == made
    await b.keyring.delete_key(made)  # the home loses it while B runs
    clock.advance(seconds=61)
    assert await b.services.mailgroup.signer(CODE) == made
    assert await b.keyring.has_secret(made)


async def test_the_node_that_loses_the_race_drops_its_key_and_uses_the_winners(nodes, database_url):
    a, b = await nodes(), await nodes()
    own: list[str] = []
    made_here = b.keyring.ensure_signing_key

    async def made_while_a_wins(uid: str, name: str) -> str:
        own.append(await made_here(uid, name))
        await a.services.mailgroup.signer(CODE)  # A stores its key between B's look-up and B's insert
        return own[-1]

    b.keys._cache.ensure_signing_key = made_while_a_wins  # type: ignore[method-assign]
    winner = await b.services.mailgroup.signer(CODE)
    assert winner == await a.services.mailgroup.signer(CODE) != own[0]
    assert not await b.keyring.has_secret(own[0]) and not await b.keyring.has_public(own[0])
    assert await b.keyring.has_secret(winner)
    assert await _rows(database_url, "SELECT fingerprint FROM household_key") == [(winner,)]


async def test_two_nodes_making_the_key_at_once_end_with_one(nodes, database_url):
    a, b = await nodes(), await nodes()
    first, second = await asyncio.gather(a.services.mailgroup.signer(CODE), b.services.mailgroup.signer(CODE))
    assert first == second
    assert await _rows(database_url, "SELECT fingerprint FROM household_key") == [(first,)]
    for node in (a, b):
        data = b"Content-Type: text/plain\r\n\r\nhallo\r\n"
        assert (await node.keyring.sign_detached(data, first)).signature.startswith(b"-----BEGIN PGP SIGNATURE")


async def test_rotation_reseals_and_the_old_kek_no_longer_opens(nodes, database_url):
    a = await nodes(kek=KEK)
    made = await a.services.mailgroup.signer(CODE)
    ((old_kek_id,),) = await _rows(database_url, "SELECT kek_id FROM household_key")
    rotating = await nodes(kek=KEK2, previous=KEK)
    assert await rotating.keys.rotate() == (1, 0)
    assert await rotating.keys.rotate() == (0, 1)  # nothing left under the old KEK
    ((new_kek_id,),) = await _rows(database_url, "SELECT kek_id FROM household_key")
    assert new_kek_id != old_kek_id
    assert await (await nodes(kek=KEK2)).services.mailgroup.signer(CODE) == made  # a fresh home opens it
    with pytest.raises(KeyEncryptionKeyMismatch) as refused:  # the node's configuration: temporary, not a dead letter
        await (await nodes(kek=KEK)).services.mailgroup.signer(CODE)
    assert new_kek_id in refused.value.detail and "EENPLAN_KEY_ENCRYPTION_KEY" in refused.value.detail


async def test_rotation_through_the_command_line(nodes, database_url, tmp_path, monkeypatch, capsys):
    from eenplan.cli import main

    made = await (await nodes(kek=KEK)).services.mailgroup.signer(CODE)
    home = make_home()
    try:
        for name, value in {
            "EENPLAN_DATA_DIR": str(tmp_path / "cli"),
            "EENPLAN_DATABASE_URL": database_url,
            "EENPLAN_SECRET_KEY": SECRET,
            "EENPLAN_GNUPGHOME": str(home),
            "EENPLAN_MAIL_DOMAIN": DOMAIN,
            "EENPLAN_KEY_ENCRYPTION_KEY": KEK2,
            "EENPLAN_KEY_ENCRYPTION_KEY_PREVIOUS": KEK,
        }.items():
            monkeypatch.setenv(name, value)
        assert await asyncio.to_thread(main, ["keys", "rotate"]) == 0
    finally:
        remove_home(home)
    assert "1 household key(s) re-sealed" in capsys.readouterr().out
    assert await (await nodes(kek=KEK2)).services.mailgroup.signer(CODE) == made


async def test_a_tampered_or_moved_sealed_key_is_refused(nodes, database_url):
    a = await nodes()
    await a.services.mailgroup.signer(CODE)
    ((blob,),) = await _rows(database_url, "SELECT sealed_secret FROM household_key")
    flipped = bytearray(blob)
    flipped[len(flipped) // 2] ^= 0x01
    await _execute(database_url, "UPDATE household_key SET sealed_secret = :b", b=bytes(flipped))
    with pytest.raises(SealError) as refused:
        await (await nodes()).services.mailgroup.signer(CODE)
    assert "integrity check" in refused.value.detail

    await _execute(database_url, "UPDATE household_key SET sealed_secret = :b", b=bytes(blob))
    await a.services.mailgroup.signer("p7q2")
    await _execute(  # another household's sealed key on this row: bound to its household and fingerprint
        database_url,
        "UPDATE household_key SET sealed_secret = (SELECT sealed_secret FROM household_key WHERE household_code = "
        "'p7q2') WHERE household_code = :c",
        c=CODE,
    )
    with pytest.raises(SealError):
        await (await nodes()).services.mailgroup.signer(CODE)


async def test_the_database_holds_no_secret_key_in_the_clear(nodes, database_url):
    a = await nodes()
    made = await a.services.mailgroup.signer(CODE)
    secret = await a.keyring.export_secret(made)
    armored = run_gpg(a.home, "--armor", "--export-secret-keys", made).stdout
    assert secret and b"BEGIN PGP PRIVATE KEY" in armored  # what must not be stored
    if database_url.startswith("sqlite"):
        path = Path(database_url.split("///", 1)[1])
        stored = b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    else:  # every column of every row of the key tables, as the server returns them
        rows = await _rows(database_url, "SELECT * FROM household_key") + await _rows(
            database_url, "SELECT * FROM public_key"
        )
        stored = b"".join(v if isinstance(v, bytes) else str(v).encode() for row in rows for v in row)
    assert b"-----BEGIN PGP PRIVATE KEY" not in stored and b"PRIVATE KEY" not in stored
    assert secret not in stored
    middle = secret[len(secret) // 2 : len(secret) // 2 + 32]  # any 32 bytes of the secret key packet
    assert middle not in stored and base64.b64encode(secret)[40:80] not in stored


async def test_the_secret_key_never_reaches_the_log_even_at_debug(nodes, caplog):
    a, b = await nodes(), await nodes()
    caplog.set_level(logging.DEBUG)  # every logger, python-gnupg's too (it logs the bytes it exports and imports)
    logging.getLogger("gnupg").setLevel(logging.NOTSET)  # as if bootstrap had not held it at WARNING
    made = await a.services.mailgroup.signer(CODE)  # exported and sealed
    assert await b.services.mailgroup.signer(CODE) == made  # unsealed and imported
    secret = await a.keyring.export_secret(made)
    logged = "\n".join(f"{r.getMessage()} {r.args!r}" for r in caplog.records)
    assert made in logged  # the log says which key, by fingerprint
    assert repr(secret[:40])[2:-1] not in logged and "PRIVATE KEY" not in logged


async def test_pinned_keys_from_before_are_stored_from_the_keyring_that_has_them(nodes, member, database_url):
    a = await nodes()
    entry = await a.services.aanspreekpunten.add("Sittard", "Cas Vos", "c.vos@example.org", member.armored_public)
    await _execute(database_url, "DELETE FROM public_key")  # as a row pinned before migration 0020
    b = await nodes()
    assert not await b.services.mailgroup.key_usable(entry.fingerprint)
    assert await a.keys.backfill() == 1
    assert await b.services.mailgroup.key_usable(entry.fingerprint)
    assert await a.keys.backfill() == 0


async def test_a_household_key_made_before_the_database_is_stored_at_start_up(nodes):
    from eenplan.demo import DEMO_CODE, seed_demo

    a = await nodes()
    await seed_demo(a.settings, services=a.services)
    legacy = await a.keyring.ensure_signing_key(group_address(DEMO_CODE, DOMAIN), f"eenplan {DEMO_CODE}")
    assert await a.keys.backfill() == 1  # as `serve` and `worker` do at start
    b = await nodes()
    assert await b.services.mailgroup.signer(DEMO_CODE) == legacy  # the key members may have pinned, not a new one
    assert await a.keys.backfill() == 0


def test_postgresql_refuses_to_start_without_a_kek(tmp_path):
    settings = Settings(data_dir=tmp_path, database_url="postgresql+asyncpg://eenplan@localhost/eenplan")
    with pytest.raises(ValidationFailed) as refused:
        check_key_encryption_key(settings)
    assert refused.value.problems[0].field == "EENPLAN_KEY_ENCRYPTION_KEY" and "PostgreSQL" in str(refused.value)
    with pytest.raises(ValidationFailed):
        Settings.from_env({"EENPLAN_KEY_ENCRYPTION_KEY": base64.b64encode(b"short").decode()})


def test_sqlite_generates_its_kek_once_into_the_data_dir(tmp_path):
    settings = Settings(data_dir=tmp_path / "var")
    check_key_encryption_key(settings)
    path = tmp_path / "var" / "key_encryption_key"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert len(base64.b64decode(path.read_text())) == 32
    assert settings.key_encryption_keys() == Settings(data_dir=tmp_path / "var").key_encryption_keys()
    shutil.rmtree(tmp_path / "var")
