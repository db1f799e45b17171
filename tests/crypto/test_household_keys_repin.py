"""A key re-uploaded through one node reaches every other node's GnuPG home (issue 15): the owner replaces a
leaked encryption subkey (same primary fingerprint) or renews an expired key, uploads it through node A, and node
B's outbox — which had imported the old copy — encrypts to the new subkey only, and encrypts again after renewal."""

from __future__ import annotations

import base64
import email
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from support.clock import MovableClock
from support.mail_helpers import drain

from eenplan.bootstrap import build_services
from eenplan.config import Settings
from eenplan.demo import seed_demo
from eenplan.domain.access import Principal
from eenplan.services.container import Services
from eenplan_crypto.envelopes import dearmor, split
from eenplan_crypto.testing import TestKey, create_key, make_home, remove_home, run_gpg
from eenplan_mail.pgpmime import parse_pgpmime

pytestmark = pytest.mark.both_databases

SECRET = "test-secret-key-that-is-long-enough-0123456789"
KEK = base64.b64encode(bytes(range(32))).decode()
FATIMA = "Fatima El Amrani"


@dataclass
class Node:
    """One app node (or worker): its own services and GnuPG home, on the shared database."""

    services: Services
    settings: Settings
    clock: MovableClock


@pytest.fixture
async def nodes(tmp_path: Path, database_url: str, smtp_peer: tuple) -> AsyncIterator[Callable[[], Awaitable[Node]]]:
    """Start nodes on the test's database, each with its own home and clock: `await nodes()`."""
    started: list[Node] = []
    homes: list[Path] = []

    async def start() -> Node:
        home = make_home()
        homes.append(home)
        settings = Settings(
            data_dir=tmp_path / f"node{len(started)}",
            database_url=database_url,
            secret_key=SECRET,
            gnupg_home=str(home),
            mail_domain="eenplan.example",
            smtp_url=smtp_peer[0],
            key_encryption_key=KEK,
        )
        clock = MovableClock()
        node = Node(build_services(settings, clock=clock), settings, clock)
        started.append(node)
        return node

    yield start
    for node in started:
        await node.services.close()
    for home in homes:
        remove_home(home)


@pytest.fixture
def owner() -> Iterator[TestKey]:
    """Fatima's own key pair in her own home (her mail client), changed by the test."""
    key = create_key("fatima", "good", "Fatima <fatima@example.org>")
    yield key
    key.cleanup()


def _subkeys(key: TestKey) -> dict[str, str]:
    """Key id (16 hex) -> gpg's validity letter ('r' revoked, 'e' expired, 'u' …) of each subkey."""
    out = run_gpg(key.home, "--with-colons", "--list-keys", key.fingerprint).stdout.decode()
    return {f[4]: f[1] for f in (line.split(":") for line in out.splitlines()) if f[0] == "sub"}


def _armored(key: TestKey) -> str:
    return run_gpg(key.home, "--armor", "--export", key.fingerprint).stdout.decode()


def _replace_encryption_subkey(key: TestKey) -> tuple[str, str]:
    """The owner adds a new encryption subkey and revokes the old one; (old key id, new key id)."""
    (old,) = _subkeys(key)
    assert run_gpg(key.home, "--quick-add-key", key.fingerprint, "cv25519", "encr", "2y").returncode == 0
    commands = b"key 1\nrevkey\ny\n0\n\ny\nsave\n"  # the first subkey, reason 0, no description
    edited = run_gpg(key.home, "--command-fd", "0", "--edit-key", key.fingerprint, input=commands)
    assert edited.returncode == 0, edited.stderr
    subkeys = _subkeys(key)
    (new,) = [k for k in subkeys if k != old]
    assert subkeys == {old: "r", new: "u"}
    return old, new


def _to(peer: object, address: str) -> list[bytes]:
    return [raw for rcpt, raw in peer.messages if rcpt == address]  # type: ignore[attr-defined]


def _key_ids(raw: bytes) -> list[str]:
    """The key ids named by the session-key packets of an RFC 3156 message (its envelope, read without gpg)."""
    packets, _data = split(dearmor(parse_pgpmime(raw)))
    return [p.key_id for p in packets]


def _encrypted(raw: bytes) -> bool:
    return email.message_from_bytes(raw).get_content_type() == "multipart/encrypted"


async def _household(a: Node, owner: TestKey) -> tuple[dict, Principal]:
    """The demo household seeded through A, Fatima's key pinned by herself through A; (demo, the regisseur)."""
    demo = await seed_demo(a.settings, services=a.services)
    hh = demo["household"]["id"]
    people = {b["name"]: b for b in demo["betrokkenen"]}
    fatima = Principal(people[FATIMA]["id"], hh, second_factor=True)
    await a.services.mailgroup.put_key(fatima, hh, fatima.betrokkene_id, owner.armored_public)
    regisseur = next(b for b in demo["betrokkenen"] if b["role"].endswith("regisseur"))
    return demo, Principal(regisseur["id"], hh, second_factor=True)


async def _change_plan(a: Node, demo: dict, regisseur: Principal, note: str) -> None:
    """The regisseur changes what everyone sees (the plan's coordination text) through A."""
    hh = demo["household"]["id"]
    current = await a.services.plan.current(regisseur, hh)
    algemeen = json.loads(current.sections["algemeen"])
    algemeen["coordinatie"] = f"{algemeen['coordinatie']} {note}"
    await a.services.plan.change(regisseur, hh, None, {"algemeen": algemeen})


async def _reupload(a: Node, demo: dict, armored: str) -> None:
    hh = demo["household"]["id"]
    fatima = next(b for b in demo["betrokkenen"] if b["name"] == FATIMA)
    await a.services.mailgroup.put_key(Principal(fatima["id"], hh, second_factor=True), hh, fatima["id"], armored)


async def test_a_subkey_replaced_through_one_node_is_the_only_one_the_other_encrypts_to(nodes, owner, smtp_peer):
    peer = smtp_peer[1]
    a, b = await nodes(), await nodes()
    demo, regisseur = await _household(a, owner)
    assert b.services.outbox is not None
    await drain(b.services.outbox)  # B's worker sends the first plan mail: B's home now holds the old copy
    (first,) = _to(peer, "fatima@example.org")
    (old,) = _subkeys(owner)
    assert _key_ids(first) == [old]

    old, new = _replace_encryption_subkey(owner)
    await _reupload(a, demo, _armored(owner))
    peer.messages.clear()
    await _change_plan(a, demo, regisseur, "Bijgewerkt.")
    await drain(b.services.outbox)

    (second,) = _to(peer, "fatima@example.org")
    assert _key_ids(second) == [new]  # never the revoked subkey
    assert await b.services.mailgroup.key_usable(owner.fingerprint)
    # the old upload again, through a node that never saw the new one: the revocation stored through A is
    # merged in, not lost, so a fresh worker still encrypts to the new subkey only
    c, worker = await nodes(), await nodes()
    await _reupload(c, demo, owner.armored_public)
    assert worker.services.outbox is not None
    peer.messages.clear()
    await _change_plan(a, demo, regisseur, "Nog eens.")
    await drain(worker.services.outbox)
    (third,) = _to(peer, "fatima@example.org")
    assert _key_ids(third) == [new]


async def test_a_renewed_expiry_uploaded_through_one_node_makes_the_other_encrypt_again(nodes, owner, smtp_peer):
    peer = smtp_peer[1]
    a, b = await nodes(), await nodes()
    for args in (("1y",), ("1y", "*")):  # Fatima's key and subkey now expire within a year
        assert run_gpg(owner.home, "--quick-set-expire", owner.fingerprint, *args).returncode == 0
    demo, regisseur = await _household(a, owner)
    assert b.services.outbox is not None
    assert await b.services.mailgroup.key_usable(owner.fingerprint)  # B's home holds this copy
    b.clock.advance(days=400)  # a year on at B: the copy B holds has expired
    await drain(b.services.outbox)
    (notice,) = _to(peer, "fatima@example.org")
    assert not _encrypted(notice)  # an expired key: a content-free notice

    for args in (("3y",), ("3y", "*")):  # Fatima renews, and uploads the renewed key through A
        assert run_gpg(owner.home, "--quick-set-expire", owner.fingerprint, *args).returncode == 0
    await _reupload(a, demo, _armored(owner))
    peer.messages.clear()
    await _change_plan(a, demo, regisseur, "Bijgewerkt.")
    await drain(b.services.outbox)

    (mail,) = _to(peer, "fatima@example.org")
    assert _encrypted(mail)
    assert owner.decrypt(parse_pgpmime(mail))[0]  # Fatima reads it with her own key
