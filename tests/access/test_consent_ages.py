"""Who must consent: the method's age rules, and a birthday changing them that very day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from support.helpers import bearer

from eenplan.domain.betrokkene import Betrokkene, Kind, Role
from eenplan.domain.consent import required_consenters

NOW = datetime(2026, 11, 22, tzinfo=UTC)


def person(pid, role, birth=None, kind=Kind.KLANT):
    return Betrokkene(pid, "h", pid, kind, role, "", "", None, None, (), birth, NOW)


MOTHER, FATHER = person("moeder", Role.OUDER), person("vader", Role.OUDER)


def child(birth):
    return person("kind", Role.JEUGDIGE, birth)


@pytest.mark.parametrize(
    "policy, age_today, expected",
    [
        ("methode", 11, {"moeder", "vader"}),
        ("methode", 12, {"moeder", "vader", "kind"}),
        ("methode", 15, {"moeder", "vader", "kind"}),
        ("methode", 16, {"kind"}),
        ("twaalf_zelf", 11, {"moeder", "vader"}),
        ("twaalf_zelf", 12, {"kind"}),
    ],
)
def test_rule_for_information_about_a_child(policy, age_today, expected):
    today = date(2026, 11, 22)
    kid = child(date(today.year - age_today, 3, 1))
    assert required_consenters([MOTHER, FATHER, kid], kid, today, policy) == frozenset(expected)


@pytest.mark.parametrize(
    "birthday_age, policy, before, on",
    [
        (12, "methode", {"moeder", "vader"}, {"moeder", "vader", "kind"}),
        (16, "methode", {"moeder", "vader", "kind"}, {"kind"}),
        (12, "twaalf_zelf", {"moeder", "vader"}, {"kind"}),
    ],
)
def test_birthday_changes_the_rule_that_day(birthday_age, policy, before, on):
    birthday = date(2026, 11, 22)
    kid = child(date(2026 - birthday_age, 11, 22))
    people = [MOTHER, FATHER, kid]
    assert required_consenters(people, kid, birthday - timedelta(days=1), policy) == frozenset(before)
    assert required_consenters(people, kid, birthday, policy) == frozenset(on)


def test_whole_household_needs_every_adult_and_the_older_children():
    today = date(2026, 11, 22)
    young, teen = person("jong", Role.JEUGDIGE, date(2019, 1, 1)), person("tiener", Role.JEUGDIGE, date(2012, 1, 1))
    oma = person("oma", Role.NETWERKLID, kind=Kind.NETWERK)
    assert required_consenters([MOTHER, young, teen, oma], None, today, "methode") == {"moeder", "tiener"}


async def test_api_uses_the_amsterdam_date_for_a_twelfth_birthday(client, demo, clock):
    """Late on 21 November UTC it is already the 22nd in Amsterdam: the child turned 12 there."""
    clock.now = datetime(2026, 11, 21, 23, 30, tzinfo=UTC)
    headers = bearer(demo["regisseur"])
    created = await client.post(
        f"/api/households/{demo['household']['id']}/betrokkenen",
        headers=headers,
        json={"name": "Sara El Amrani", "kind": "klant", "role": "jeugdige", "birth_date": "2014-11-22"},
    )
    sara = (await created.json())["id"]
    body = {
        "grantee_id": demo["by_name"]["Joost Willems"]["id"],
        "sections": ["analyse"],
        "purpose": "Schuldhulp moet de analyse kennen",
        "until": "2026-12-31",
        "about_id": sara,
    }
    resp = await client.post(f"/api/households/{demo['household']['id']}/toestemmingen", json=body, headers=headers)
    assert resp.status == 201, await resp.text()
    assert sara in (await resp.json())["required_consenters"]
    clock.now = datetime(2026, 11, 21, 22, 30, tzinfo=UTC)  # 23:30 on the 21st in Amsterdam
    resp = await client.post(f"/api/households/{demo['household']['id']}/toestemmingen", json=body, headers=headers)
    assert sara not in (await resp.json())["required_consenters"]
