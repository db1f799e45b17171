"""The household list's hot path (`PageReader.household_entries`, no unit of work) answers what the unit-of-work
path answers, through a shared family address (a choice still to make), an address change awaiting approval,
and a removal: it can only show the memberships the session's lookup still counts, never more."""

from __future__ import annotations

import re

from eenplan.domain.access import Principal
from eenplan.domain.betrokkene import Kind, Role
from eenplan.services.people import PersonDirectory


async def _sign_in(services, capsys, email: str) -> str:
    capsys.readouterr()
    await services.signin.request_link(email=email, client_ip="192.0.2.9")
    await services.signin.settle()
    links = re.findall(r"/auth/magic-link/([A-Za-z0-9_-]{43})", capsys.readouterr().out)
    assert links
    return str((await services.signin.redeem_link(links[-1], "192.0.2.9", "pytest")).token)


async def _both(services, token: str):
    """(hot path, unit-of-work path) answers, or the error's name when the session no longer counts."""
    cold = PersonDirectory(services.people._uow, services.sessions)  # no page reads: one unit of work

    async def answer(directory):
        try:
            return await directory.households(token)
        except Exception as exc:  # Unauthenticated after a removal: both must say so
            return type(exc).__name__

    return await answer(services.people), await answer(cold)


async def test_the_hot_household_list_agrees_with_the_unit_of_work_path(services, demo, capsys):
    hid = demo["household"]["id"]
    fatima = demo["by_name"]["Fatima El Amrani"]
    regisseur = Principal(demo["regisseur"]["id"], hid, second_factor=True)
    first = await _sign_in(services, capsys, fatima["email"])
    hot, cold = await _both(services, first)
    assert hot == cold and [e.chosen for e in hot] == [True]

    await services.betrokkenen.add(
        regisseur,
        hid,
        {
            "name": "Amal El Amrani",
            "email": fatima["email"],
            "kind": Kind("netwerk"),
            "role": Role("netwerklid"),
            "relation": None,
            "organisation": None,
            "phone": None,
            "reachable_days": [],
            "birth_date": None,
        },
    )
    second = await _sign_in(services, capsys, fatima["email"])
    hot, cold = await _both(services, second)
    assert hot == cold and sorted(e.betrokkene_name for e in hot) == ["Amal El Amrani", "Fatima El Amrani"]
    assert not any(e.chosen for e in hot)  # a choice to make: listed once per candidate
    listed = await services.people.household_list(second)
    assert [e.household_id for e in listed.entries] == [hid]  # the page shows the household once

    await services.betrokkenen.update(regisseur, hid, fatima["id"], {"email": "elders@example.org"})
    for token in (first, second):
        assert (answers := await _both(services, token))[0] == answers[1]

    await services.betrokkenen.remove(regisseur, hid, fatima["id"])
    for token in (first, second):
        hot, cold = await _both(services, token)
        assert hot == cold
        assert isinstance(hot, str) or "Fatima El Amrani" not in {e.betrokkene_name for e in hot}
