"""One name rule everywhere (issue 10 item 8): what the API accepts, invites and mail accept too."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import pytest
from support.helpers import bearer
from support.ical_parsers import read

from eenplan.domain.errors import ValidationFailed
from eenplan.domain.names import check_name, name_problem
from eenplan_calendar import itip
from eenplan_mail.headers import check_text

REFUSED = [
    "\u0085",
    "\u0090",
    "\u009f",
    "\u0080",
    "\x1b",
    "\x7f",
    "\u2028",
    "\u2029",
    "\u202e",
    "\u2066",
    "\u200f",
    "\t",
    "\n",
]


def hh_url(demo, suffix=""):
    return f"/api/households/{demo['household']['id']}{suffix}"


def _fields(problem: dict) -> set[str]:
    return {e["field"] for e in problem["errors"]}


@pytest.mark.parametrize("char", REFUSED, ids=[f"U+{ord(c):04X}" for c in REFUSED])
async def test_names_with_control_or_direction_characters_are_422(client, demo, char):
    headers = bearer(demo["regisseur"])
    name = f"Jan{char}Jansen"
    created = await client.post(
        hh_url(demo, "/betrokkenen"), json={"name": name, "kind": "netwerk", "role": "netwerklid"}, headers=headers
    )
    assert created.status == 422 and _fields(await created.json()) == {"name"}
    patched = await client.patch(
        hh_url(demo, f"/betrokkenen/{demo['regisseur']['id']}"), json={"name": name}, headers=headers
    )
    assert patched.status == 422 and _fields(await patched.json()) == {"name"}
    household = await client.post(
        "/api/households", json={"code": "H-2026-777", "name": name, "gemeente": f"Gou{char}da"}, headers=headers
    )
    assert household.status == 422 and _fields(await household.json()) == {"name", "gemeente"}


async def test_ordinary_names_in_any_script_are_accepted(client, demo):
    for name in ("Zoë van 't Hek-Öztürk", "Łukasz Żółć", "فاطمة العمراني", "José María O'Brien"):
        resp = await client.post(
            hh_url(demo, "/betrokkenen"),
            json={"name": name, "kind": "netwerk", "role": "netwerklid", "email": "buur@example.org"},
            headers=bearer(demo["regisseur"]),
        )
        assert resp.status == 201, await resp.text()
        assert (await resp.json())["name"] == name


def test_every_name_the_rule_accepts_can_be_invited():
    """Sweep the Basic Multilingual Plane: a name that passes the rule passes the iTIP and mail checks."""
    for cp in range(0x10000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        name = f"A{chr(cp)}B"
        if name_problem(name) is not None:
            continue
        itip._check_text(name, "name", "name", False)
        check_text(name, "to_name", 78)
    invite = itip.Invite(
        uid="u@eenplan.example.org",
        sequence=0,
        summary="Overleg",
        start=datetime(2026, 6, 2, 8, tzinfo=UTC),
        end=datetime(2026, 6, 2, 9, tzinfo=UTC),
        organizer_email="g@groep.example.org",
        organizer_name="Huishouden",
        attendees=[("a@example.org", "Zoë \u00a0Öztürk", True)],
    )
    assert read(itip.build_request(invite)).event.attendee("a@example.org").params["CN"] == "Zoë \u00a0Öztürk"


def test_check_name_trims_and_names_the_field():
    assert check_name("  Anna  ") == "Anna"
    with pytest.raises(ValidationFailed) as caught:
        check_name("An\u0085na", "gemeente")
    assert caught.value.problems[0].field == "gemeente"
    assert sys.maxunicode > 0xFFFF
