"""What the cluster tests do from outside: HTTP calls that survive a dead node, the consent round of a revocation,
and reading the relay's mail (Message-IDs, the signer of every signature, checked with gpg in a separate home)."""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import email
import email.policy
import subprocess
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from cluster_harness import EenplanCluster

from eenplan.config import Settings
from eenplan.domain.mailgroup import OutboxKind
from eenplan_mail.headers import stable_message_id
from eenplan_mail.pgpmime import extract_signed_parts

MARKER = "MARKER-CLUSTER-KRACHTEN-5c1e"
_DEFAULT_MAIL_DOMAIN = next(f.default for f in dataclasses.fields(Settings) if f.name == "mail_domain")
TIMEOUT = aiohttp.ClientTimeout(total=60)
AMSTERDAM = ZoneInfo("Europe/Amsterdam")  # the nodes run on the real clock and count Amsterdam's days


@dataclass
class Answer:
    """A response, or status None when the connection failed (a killed node, nginx's 502 is a status)."""

    status: int | None
    body: Any = None
    text: str = ""


async def call(
    http: aiohttp.ClientSession, method: str, url: str, person: dict, body: Any = None, **headers: str
) -> Answer:
    """One request as a demo person; a connection failure is an Answer with status None, never an exception."""
    try:
        async with http.request(
            method, url, json=body, headers={"Authorization": f"Bearer {person['token']}", **headers}
        ) as resp:
            text = await resp.text()
            parsed = None
            with contextlib.suppress(ValueError):
                parsed = await resp.json(content_type=None)
            return Answer(resp.status, parsed, text)
    except (TimeoutError, aiohttp.ClientError, OSError):
        return Answer(None)


def plan_url(base: str, cluster: EenplanCluster, path: str = "") -> str:
    """The plan's URL (or a sub-path of it) at one base URL (nginx or a node)."""
    return f"{base}/api/households/{cluster.demo['household']['id']}/plan{path}"


def household_url(base: str, cluster: EenplanCluster, path: str) -> str:
    """A household route at one base URL."""
    return f"{base}/api/households/{cluster.demo['household']['id']}{path}"


async def write_marker(http: aiohttp.ClientSession, cluster: EenplanCluster) -> int:
    """Put the marker in krachten_zorgen (only a consent shows it to the grandmother); the new version."""
    regisseur = cluster.demo["regisseur"]
    now = await call(http, "GET", plan_url(cluster.url, cluster), regisseur)
    body = {"krachten_zorgen": [{"leefgebied": "sociale_steun", "krachten": [MARKER]}]}
    answer = await call(
        http, "PATCH", plan_url(cluster.url, cluster), regisseur, body, **{"If-Match": f'"{now.body["version"]}"'}
    )
    assert answer.status == 200, answer.text
    return int(answer.body["version"])


async def granted_consent(http: aiohttp.ClientSession, cluster: EenplanCluster, base: str) -> str | None:
    """A consent for the grandmother to see krachten_zorgen, asked and given by both klanten through `base`;
    its id, or None when a request failed on the way (a node died)."""
    people = cluster.demo["by_name"]
    until = (datetime.now(AMSTERDAM).date() + timedelta(days=30)).isoformat()  # the nodes' day, not the UTC one
    asked = await call(
        http,
        "POST",
        household_url(base, cluster, "/toestemmingen"),
        cluster.demo["regisseur"],
        {
            "grantee_id": people["Khadija El Amrani"]["id"],
            "sections": ["krachten_zorgen"],
            "purpose": "Oma helpt bij de opvoeding en moet de krachten kennen",
            "until": until,
        },
    )
    if asked.status != 201:
        return None
    cid = asked.body["id"]
    for name in ("Fatima El Amrani", "Youssef El Amrani"):
        answer = await call(
            http,
            "POST",
            household_url(base, cluster, f"/toestemmingen/{cid}/antwoord"),
            people[name],
            {"besluit": "ja", "wijze": "schriftelijk"},
        )
        if answer.status != 200:
            return None
    return str(cid)


async def revoke_all(http: aiohttp.ClientSession, cluster: EenplanCluster) -> bool:
    """Revoke every consent that is given (an earlier round may have been cut off by a kill, or a 502 may have
    hidden a committed answer); True once the list shows none left."""
    listed = await call(http, "GET", household_url(cluster.url, cluster, "/toestemmingen"), cluster.demo["regisseur"])
    if listed.status != 200:
        return False
    given = [c["id"] for c in listed.body["toestemmingen"] if c["status"] == "verleend"]
    for cid in given:
        if (await revoke(http, cluster, cluster.url, cid)).status != 200:
            return False
    return not given


async def given_consents(http: aiohttp.ClientSession, cluster: EenplanCluster) -> list[str]:
    """The ids of the consents given now (for a failure's message)."""
    listed = await call(http, "GET", household_url(cluster.url, cluster, "/toestemmingen"), cluster.demo["regisseur"])
    return [c["id"] for c in (listed.body or {}).get("toestemmingen", []) if c["status"] == "verleend"]


async def oma_reads(http: aiohttp.ClientSession, cluster: EenplanCluster, base: str) -> Answer:
    """The grandmother's GET of the plan at one base URL."""
    return await call(http, "GET", plan_url(base, cluster), cluster.demo["by_name"]["Khadija El Amrani"])


async def revoke(http: aiohttp.ClientSession, cluster: EenplanCluster, base: str, cid: str) -> Answer:
    """Youssef (a klant) revokes the consent through `base`."""
    return await call(
        http,
        "POST",
        household_url(base, cluster, f"/toestemmingen/{cid}/intrekking"),
        cluster.demo["by_name"]["Youssef El Amrani"],
    )


# --- mail at the relay ----------------------------------------------------------------------------------------


def outbox(cluster: EenplanCluster) -> list[tuple[str, str, str, str]]:
    """Every outbox row: (recipient id, Message-ID, status, why it was not sent)."""
    out = []
    rows = cluster.sql(
        "SELECT recipient_id, coalesce(message_id, ''), status, coalesce(last_error, '') FROM mail_outbox"
    )
    for line in rows.splitlines():
        recipient, message_id, status, why = line.split("|", 3)
        out.append((recipient, message_id, status, why))
    return out


def delivered_then_skipped(cluster: EenplanCluster) -> set[tuple[str, str]]:
    """(recipient id, Message-ID) of every skipped row that had an SMTP attempt begun: the one kind of row whose
    message may be at the relay although the row says it was not sent.

    A sender SIGKILLed right after the relay's 250 (before it marks the row) leaves the row queued; its retry
    decides afresh what the recipient may see now. If that view meanwhile went back to the one last sent (the
    grandmother's consent revoked: she sees only her own afspraken, which nobody changes), the retry skips the
    row as UNCHANGED, correctly (nothing new to tell, nothing more to disclose), while the first attempt's
    message did reach the relay. Its Message-ID is the stable one the row would have carried."""
    domain = str(cluster.extra.get("mail_domain") or _DEFAULT_MAIL_DOMAIN)
    rows = cluster.sql(
        "SELECT status, coalesce(message_id, ''), household_id, recipient_id, kind, coalesce(version, 0), dedupe_key "
        "FROM mail_outbox WHERE status IN ('sent', 'skipped') AND attempts > 0"
    )
    found = set()
    for line in rows.splitlines():
        status, stored, household, recipient, kind, version, dedupe = line.split("|", 6)
        stable = f"{household}:v{version}" if kind == OutboxKind.PLAN_UPDATE.value else f"{household}:{kind}:{dedupe}"
        message_id = stable_message_id(stable, recipient, domain)
        if status == "sent":  # the same Message-ID a sent row stored: the computation is the worker's
            assert stored == message_id, (stored, message_id)
        else:
            found.add((recipient, message_id))
    return found


def queued(cluster: EenplanCluster) -> int:
    """Outbox rows still waiting to be sent (or retried)."""
    return int(cluster.sql("SELECT count(*) FROM mail_outbox WHERE status = 'queued'").strip())


def received(cluster: EenplanCluster) -> Counter[tuple[str, str]]:
    """How often each (recipient address, Message-ID) reached the relay."""
    assert cluster.relay is not None
    return cluster.relay.received()


def signers(raws: list[bytes]) -> tuple[Counter[str], int]:
    """The primary-key fingerprints of the good signatures on these messages (gpg in a home of its own, holding
    only the keys the messages offer in Autocrypt), and how many messages had no good signature."""
    messages = [email.message_from_bytes(raw, policy=email.policy.default) for raw in raws]
    with tempfile.TemporaryDirectory(prefix="eenplan-verify-") as home:
        gpg = ["gpg", "--homedir", home, "--batch", "--quiet", "--no-tty"]
        offered = {str(m["Autocrypt"]).split("keydata=", 1)[1] for m in messages if m["Autocrypt"]}
        for keydata in offered:
            key = base64.b64decode("".join(keydata.split()))
            subprocess.run([*gpg, "--import"], input=key, capture_output=True, check=True)
        found: Counter[str] = Counter()
        unsigned = 0
        work = Path(home)
        for raw in raws:
            try:
                signed, signature, _micalg = extract_signed_parts(raw)
            except Exception:
                unsigned += 1
                continue
            (work / "data").write_bytes(signed)
            (work / "sig").write_bytes(signature)
            status = subprocess.run(
                [*gpg, "--status-fd", "1", "--verify", str(work / "sig"), str(work / "data")],
                capture_output=True,
                text=True,
                check=False,
            ).stdout
            valid = [line.split()[-1] for line in status.splitlines() if line.startswith("[GNUPG:] VALIDSIG ")]
            if valid:
                found[valid[0]] += 1
            else:
                unsigned += 1
        subprocess.run(["gpgconf", "--homedir", home, "--kill", "all"], capture_output=True, check=False)
    return found, unsigned
