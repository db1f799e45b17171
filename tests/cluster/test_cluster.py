"""Three `eenplan serve` nodes and two `eenplan worker`s on one PostgreSQL, nginx in front, seen from outside
(issue 15's check): a consent revoked through node 1 is refused on node 3 at the next request; the sign-in limit
counts once across nodes; clients edit, read and revoke while a node and a worker are SIGKILLed again and again,
and no acknowledged write and no mail is lost (at most one duplicate per kill, same Message-ID); every mail is
signed by the one household key, whichever process sent it; every node is ready at the end.

The tests share one cluster (tests/cluster/conftest.py) and run in order; each stands on its own.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass

import aiohttp
import pytest
from cluster_client import (
    MARKER,
    TIMEOUT,
    call,
    delivered_then_skipped,
    given_consents,
    granted_consent,
    oma_reads,
    outbox,
    plan_url,
    queued,
    received,
    revoke,
    revoke_all,
    signers,
    write_marker,
)

from eenplan.services.outbox import UNCHANGED

pytestmark = pytest.mark.asyncio(loop_scope="module")
ON_PURPOSE = {UNCHANGED}

EDITORS = 3
READERS = 2
KILLS = 3  # rounds; each SIGKILLs one node and one worker, then whichever process sent the next mail, after its 250
SIGNIN_LIMIT = 5  # EENPLAN_SIGNIN_TARGET_LIMIT's default, per address per window


@dataclass(frozen=True)
class Ack:
    """A write the server acknowledged (2xx): the version it made and what it wrote."""

    version: int
    item_id: str
    field: str
    value: str


async def _until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.2)


async def _kill_a_sender_right_after_its_250(cluster) -> int:
    """SIGKILL whichever node or worker the relay just accepted a mail from, and restart it; 1 if it happened."""
    cluster.killed_senders.clear()
    cluster.kill_sender_after_next_250()
    deadline = time.monotonic() + 15
    while not cluster.killed_senders and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    cluster.disarm()
    if not cluster.killed_senders:
        return 0  # nothing was being sent
    victim = cluster.killed_senders[0]
    victim.kill()  # reaps it
    if victim in cluster.nodes:
        await cluster.restart_node(cluster.nodes.index(victim))
    else:
        victim.start()
    return 1


async def test_a_consent_revoked_through_node_1_is_refused_on_node_3_at_the_next_request(cluster):
    node1, node3 = cluster.node_url(0), cluster.node_url(2)
    async with aiohttp.ClientSession(timeout=TIMEOUT) as http:
        await write_marker(http, cluster)
        assert MARKER not in (await oma_reads(http, cluster, node3)).text
        cid = await granted_consent(http, cluster, node1)
        assert cid is not None
        seen = await oma_reads(http, cluster, node3)
        assert seen.status == 200 and MARKER in seen.text  # node 3 shows what node 1 granted
        assert (await revoke(http, cluster, node1, cid)).status == 200
        after = await oma_reads(http, cluster, node3)
        assert after.status == 200 and MARKER not in after.text


async def test_the_sign_in_limit_counts_once_across_nodes(cluster):
    address = "cluster-limit@example.org"  # nobody's: no mail, the attempts count all the same
    async with aiohttp.ClientSession(timeout=TIMEOUT) as http:
        statuses = []
        for n in range(3 * SIGNIN_LIMIT):
            base = cluster.node_url(n % 3)
            async with http.post(f"{base}/auth/magic-link", json={"email": address}) as resp:
                statuses.append(resp.status)
    assert set(statuses) <= {202, 429}
    assert statuses.count(202) == SIGNIN_LIMIT, statuses


async def test_kills_lose_no_acknowledged_write_and_no_mail(cluster):
    rng = random.Random(1515)
    acks: list[Ack] = []
    outcomes: Counter[str] = Counter()
    reads: Counter[int | None] = Counter()
    revocations: list[str] = []
    stop = asyncio.Event()
    regisseur = cluster.demo["regisseur"]
    kills = 0

    async with aiohttp.ClientSession(timeout=TIMEOUT) as http:

        async def version() -> int | None:
            now = await call(http, "GET", plan_url(cluster.url, cluster), regisseur)
            return int(now.body["version"]) if now.status == 200 else None

        shared = await call(
            http, "POST", plan_url(cluster.url, cluster, "/afspraken"), regisseur, {"wat": "gedeeld"},
            **{"If-Match": f'"{await version()}"'},
        )  # fmt: skip
        assert shared.status == 201, shared.text
        shared_id = shared.body["item_id"]

        async def editor(k: int) -> None:
            own: list[str] = []
            base = shared.body["version"]
            n = 0
            while not stop.is_set():
                n += 1
                marker = f"e{k}-{n}"
                pick = rng.random()
                if own and pick < 0.35:
                    target, path, method, body = rng.choice(own), "", "PATCH", {"wanneer": marker}
                elif pick < 0.55:
                    target, path, method, body = shared_id, "", "PATCH", {"wanneer": marker}
                else:
                    target, path, method, body = None, "", "POST", {"wat": marker}
                url = plan_url(cluster.url, cluster, "/afspraken" + (f"/{target}" if target else path))
                answer = await call(http, method, url, regisseur, body, **{"If-Match": f'"{base}"'})
                if answer.status in (200, 201):
                    field = "wanneer" if target else "wat"
                    acks.append(Ack(answer.body["version"], answer.body["item_id"], field, marker))
                    base = answer.body["version"]
                    if target is None:
                        own.append(answer.body["item_id"])
                    outcomes["acknowledged"] += 1
                else:
                    outcomes["conflict" if answer.status == 412 else f"failed {answer.status}"] += 1
                    base = await version() or base
                await asyncio.sleep(rng.uniform(0.2, 0.8))

        async def reader(person: dict) -> None:
            while not stop.is_set():
                reads[(await call(http, "GET", plan_url(cluster.url, cluster), person)).status] += 1
                await asyncio.sleep(0.05)

        async def revoker() -> None:
            while not stop.is_set():
                await asyncio.sleep(0.3)
                first, through, then = rng.sample(range(3), 3)
                if not await revoke_all(http, cluster):  # the check below needs this consent to be the only one
                    continue
                cid = await granted_consent(http, cluster, cluster.url)
                if cid is None:
                    continue
                before = await oma_reads(http, cluster, cluster.node_url(first))
                if before.status == 200:  # on failure: was the consent still given, and which version was read
                    shown = (before.body or {}).get("version")
                    assert MARKER in before.text, (
                        f"granted {cid}, not shown by node {first + 1} (version {shown}): "
                        f"{await given_consents(http, cluster)}"
                    )
                done = await revoke(http, cluster, cluster.node_url(through), cid)
                if done.status is None or done.status >= 500:
                    continue  # not acknowledged: nothing to hold the other nodes to
                assert done.status == 200, done.text
                for node in (then, first, through):  # the next request on any live node
                    after = await oma_reads(http, cluster, cluster.node_url(node))
                    if after.status == 200:
                        left = await given_consents(http, cluster)
                        assert MARKER not in after.text, (
                            f"revoked {cid} on node {through + 1}, shown by {node + 1}: {left}"
                        )
                        revocations.append(f"{through + 1}->{node + 1}")
                        break

        async def killer() -> None:
            nonlocal kills
            for _ in range(KILLS):
                await asyncio.sleep(rng.uniform(2.0, 4.0))
                node, worker = rng.randrange(3), rng.randrange(2)
                cluster.kill_node(node)
                await asyncio.sleep(rng.uniform(0.0, 0.5))
                cluster.kill_worker(worker)
                kills += 2
                await asyncio.sleep(rng.uniform(0.2, 1.0))
                cluster.restart_worker(worker)
                await cluster.restart_node(node)
                kills += await _kill_a_sender_right_after_its_250(cluster)
            deadline = time.monotonic() + 90  # then enough of each kind of client's work to judge
            while (len(revocations) < 2 or len(acks) < 10) and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
            stop.set()

        clients = [editor(k) for k in range(EDITORS)]
        people = [cluster.demo["by_name"][n] for n in ("Fatima El Amrani", "Khadija El Amrani")[:READERS]]
        await asyncio.gather(killer(), revoker(), *clients, *(reader(p) for p in people))

        # no acknowledged write is lost: each made its own version, and that version holds it
        assert outcomes["acknowledged"] >= 10, outcomes
        assert len({a.version for a in acks}) == len(acks), "two acknowledged writes share a version"
        for ack in acks:
            got = await call(http, "GET", plan_url(cluster.url, cluster, f"/versions/{ack.version}"), regisseur)
            assert got.status == 200, got.text
            items = {a["id"]: a for a in got.body["sections"]["afspraken"]}
            assert items[ack.item_id][ack.field] == ack.value, ack
        final = await call(http, "GET", plan_url(cluster.url, cluster), regisseur)
        added = {a.item_id for a in acks if a.field == "wat"}
        assert added <= {a["id"] for a in final.body["sections"]["afspraken"]}
        # reads through nginx never saw a kill: another node answered
        assert set(reads) == {200}, reads
        assert len(revocations) >= 2, revocations

    async def drained() -> bool:
        return await asyncio.to_thread(queued, cluster) == 0

    await _until(drained, 180, "the outbox to be sent")
    rows = await asyncio.to_thread(outbox, cluster)
    statuses = Counter(status for _r, _m, status, _w in rows)
    assert set(statuses) <= {"sent", "skipped"}, statuses  # none queued, none dead
    why_skipped = Counter(why for _r, _m, status, why in rows if status == "skipped")
    assert set(why_skipped) <= ON_PURPOSE, why_skipped  # a plan update whose view did not change for them
    rows = [row for row in rows if row[2] == "sent"]
    address = {b["id"]: b["email"] for b in cluster.demo["betrokkenen"]}
    expected = {(address[r], m) for r, m, _s, _w in rows}
    got = received(cluster)
    assert expected <= set(got), f"mail lost: {sorted(expected - set(got))[:5]}"
    # a message no sent row accounts for: only a killed sender's, whose retry found nothing new to show
    unexplained = set(got) - expected
    retried = {(address.get(r, r), m) for r, m in await asyncio.to_thread(delivered_then_skipped, cluster)}
    assert unexplained <= retried, f"mail no row accounts for: {sorted(unexplained - retried)[:5]}"
    assert len(unexplained) <= kills, (kills, unexplained)
    duplicates: Counter[str] = Counter()
    for (rcpt, _message_id), count in got.items():
        duplicates[rcpt] += count - 1
    print(
        f"\ncluster run: {kills} kills, writes {dict(outcomes)}, reads {dict(reads)}, revocations {revocations}, "
        f"{len(rows)} mails sent, {sum(duplicates.values())} duplicates, skipped {dict(why_skipped)}, "
        f"{len(unexplained)} delivered before a kill and then skipped"
    )
    assert all(n <= kills for n in duplicates.values()), (kills, duplicates)
    assert sum(duplicates.values()) <= kills * len(address), (kills, duplicates)


async def test_every_mail_is_signed_by_the_one_household_key_whichever_process_sent_it(cluster):
    regisseur = cluster.demo["regisseur"]
    async with aiohttp.ClientSession(timeout=TIMEOUT) as http:
        fingerprints = set()
        for i in range(3):  # each node asked for the key, and each node makes a version (mail from every sender)
            key = await call(
                http, "GET", f"{cluster.node_url(i)}/api/households/{cluster.demo['household']['id']}/mail/signing-key",
                regisseur,
            )  # fmt: skip
            assert key.status == 200, key.text
            fingerprints.add(key.body["fingerprint"])
            now = await call(http, "GET", plan_url(cluster.node_url(i), cluster), regisseur)
            made = await call(
                http, "POST", plan_url(cluster.node_url(i), cluster, "/afspraken"), regisseur,
                {"wat": f"via node {i + 1}"}, **{"If-Match": f'"{now.body["version"]}"'},
            )  # fmt: skip
            assert made.status == 201, made.text

    async def drained() -> bool:
        return await asyncio.to_thread(queued, cluster) == 0

    await _until(drained, 120, "the outbox to be sent")
    assert cluster.relay is not None
    with cluster.relay.lock:
        raws = [raw for _rcpt, raw in cluster.relay.messages]
    found, unsigned = await asyncio.to_thread(signers, raws)
    assert unsigned == 0, f"{unsigned} of {len(raws)} mails carry no good signature"
    assert len(fingerprints) == 1, f"the nodes hold different household keys: {fingerprints}"
    assert set(found) == fingerprints, found


async def test_every_node_is_ready_at_the_end(cluster):
    async with aiohttp.ClientSession(timeout=TIMEOUT) as http:
        for base in [cluster.node_url(i) for i in range(3)] + [cluster.url]:
            async with http.get(f"{base}/readyz") as resp:
                assert resp.status == 200, base
