"""Answers given at the same moment as the invitee list is rewritten are all kept (PostgreSQL as well as SQLite).

A change of an overleg and a must-attend toggle write the whole invitee list anew, under the overleg's row lock.
An answer — on the page or over the API (`OverlegService.attendance`), or by mail (an iMIP REPLY through
`InboundService.deliver`) — must take that same lock: otherwise, on PostgreSQL, an answer written between the
rewrite's read and its commit is silently overwritten by the old answer (or lands on a deleted row).
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from support.mail_fixtures import MAIL_DOMAIN
from support.overleg_kit import plan_overleg, regisseur

from eenplan.config import Settings
from eenplan.domain.access import Principal
from eenplan.domain.overleg import Partstat

pytestmark = pytest.mark.both_databases

ROUNDS = 4
ANSWERS = (Partstat.ACCEPTED, Partstat.DECLINED, Partstat.TENTATIVE)
GROUP = f"plan-demo-001@{MAIL_DOMAIN}"
BY_MAIL = "Khadija El Amrani"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The group addresses on the test mail domain (no mail is sent: the outbox is only queued)."""
    return dataclasses.replace(settings, mail_domain=MAIL_DOMAIN)


def reply(uid: str, sequence: int, attendee: str, name: str, partstat: Partstat) -> bytes:
    """An iMIP REPLY (RFC 6047) of `attendee`, as a calendar client sends it to the group address."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    ics = "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "PRODID:-//eenplan tests//NONSGML//EN",
            "VERSION:2.0",
            "METHOD:REPLY",
            "BEGIN:VEVENT",
            f"UID:{uid}",
            f"DTSTAMP:{stamp}",
            f"SEQUENCE:{sequence}",
            f"ORGANIZER:mailto:{GROUP}",
            f"ATTENDEE;CN={name};PARTSTAT={partstat.value.upper()}:mailto:{attendee}",
            "END:VEVENT",
            "END:VCALENDAR",
        ]
    )
    return "\r\n".join(
        [
            f"From: {name} <{attendee}>",
            f"To: <{GROUP}>",
            f"Message-ID: <{uuid.uuid4()}@example.org>",
            "Subject: Antwoord",
            "MIME-Version: 1.0",
            "Content-Type: text/calendar; charset=UTF-8; method=REPLY",
            "",
            ics,
            "",
        ]
    ).encode()


async def answers_of(services: Any, demo: dict[str, Any], overleg_id: str) -> dict[str, Partstat]:
    """What the regisseur sees everyone answered."""
    view = await services.overleggen.get(regisseur(demo), demo["household"]["id"], overleg_id)
    return {i.betrokkene_id: i.partstat for i in view.invitees}


async def test_concurrent_answers_and_invitee_rewrites_keep_every_answer(demo, services) -> None:
    hid = demo["household"]["id"]
    people = demo["betrokkenen"]
    oid = await plan_overleg(services, demo, [(p["name"], False) for p in people], days=9)
    uid = (await services.overleggen.get(regisseur(demo), hid, oid)).uid
    by_mail = demo["by_name"][BY_MAIL]
    toggled = [p["id"] for p in people if p["name"] != BY_MAIL][:2]
    expected: dict[str, Partstat] = {}
    for round_ in range(ROUNDS):
        wanted = {p["id"]: ANSWERS[(round_ + n) % len(ANSWERS)] for n, p in enumerate(people)}
        by_page = [
            services.overleggen.attendance(Principal(p["id"], hid, second_factor=True), hid, oid, wanted[p["id"]])
            for p in people
            if p["id"] != by_mail["id"]
        ]
        mail = services.inbound.deliver(
            by_mail["email"], GROUP, reply(uid, 0, by_mail["email"], BY_MAIL, wanted[by_mail["id"]])
        )
        rewrites = [
            services.overleggen.set_must_attend(regisseur(demo), hid, oid, b, round_ % 2 == 0) for b in toggled
        ] + [services.overleggen.change(regisseur(demo), hid, oid, {"agenda": f"Ronde {round_ + 1}"})]
        # interleaved: rewrites started before, between and after the answers
        await asyncio.gather(rewrites[0], *by_page[:3], rewrites[2], mail, *by_page[3:], rewrites[1])
        expected = wanted
        assert await answers_of(services, demo, oid) == expected, f"round {round_ + 1}"
    view = await services.overleggen.get(regisseur(demo), hid, oid)
    assert view.sequence == 0  # neither the toggles nor an agenda change asked everyone again
    assert {i.betrokkene_id: i.must_attend for i in view.invitees if i.betrokkene_id in toggled} == dict.fromkeys(
        toggled, (ROUNDS - 1) % 2 == 0
    )
