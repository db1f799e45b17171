"""People added out of alphabetical order, for the tests that every list of people reads in name order.

`add_people` records "Zeynep Kaya", "de Boer" and "Anna Smit" in that order (the database's order then differs
from the alphabet), `in_name_order` is the order the pages promise (casefolded full name: "de Boer" under d),
and `order_in` reads the order in which names appear in a piece of a page.
"""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from eenplan.domain.access import Principal
from eenplan.domain.betrokkene import Kind, Role
from eenplan.domain.overleg import Invitee, OverlegType, Vote
from eenplan.services.overleg_drafts import OverlegDraft
from support.overleg_kit import regisseur

#: added in this order: neither the database's order nor a case-sensitive sort is the alphabet
ADDED = ("Zeynep Kaya", "de Boer", "Anna Smit")
ALPHABETICAL = ("Anna Smit", "de Boer", "Zeynep Kaya")
AMS = ZoneInfo("Europe/Amsterdam")


async def add_people(
    services: Any,
    demo: dict[str, Any],
    *,
    kind: Kind = Kind.NETWERK,
    role: Role = Role.NETWERKLID,
    email: bool | str = True,
    names: tuple[str, ...] = ADDED,
) -> dict[str, str]:
    """Record `names` in the demo household in the given order (by the regisseur); their ids by name. `email`:
    an address each (True), none (False), or this one address for all of them."""
    ids = {}
    for n, name in enumerate(names):
        b = await services.betrokkenen.add(
            regisseur(demo),
            demo["household"]["id"],
            {
                "name": name,
                "kind": kind,
                "role": role,
                "relation": "",
                "email": email if isinstance(email, str) else f"orde{n}@example.org" if email else None,
                "organisation": "",
                "phone": None,
                "reachable_days": (),
                "birth_date": None,
            },
        )
        ids[name] = b.id
    return ids


def in_name_order(names: list[str]) -> list[str]:
    """The order the pages promise: casefolded full name."""
    return sorted(names, key=str.casefold)


def order_in(text: str, names: tuple[str, ...] | list[str] = ALPHABETICAL) -> list[str]:
    """The `names` in the order they first appear in `text` (HTML unescaped); a name not there is left out."""
    plain = html.unescape(text)
    found = [(plain.find(n), n) for n in names if n in plain]
    return [n for _, n in sorted(found)]


def between(page: str, start: str, end: str) -> str:
    """The part of `page` from the first `start` to the next `end` after it (a regular expression each)."""
    found = re.search(f"{start}(.*?){end}", page, re.S)
    assert found, f"no {start!r} … {end!r} on the page"
    return found.group(1)


def ahead(clock: Any, days: int, hour: int) -> datetime:
    """`days` after the services' clock, at `hour` o'clock in Amsterdam."""
    return (clock().astimezone(AMS) + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


async def voted_poll(services: Any, demo: dict[str, Any], ids: dict[str, str], start: datetime) -> Any:
    """A date poll with one option at `start`, the `ids` invited and voting yes in the order given; the poll."""
    hid = demo["household"]["id"]
    poll = await services.polls.create(
        regisseur(demo),
        hid,
        overleg_type=OverlegType.VOORTGANGSOVERLEG,
        options=[(start, start + timedelta(hours=1))],
        invitees=tuple(Invitee(ids[n], False) for n in ids),
    )
    (option,) = poll.options
    for name in ids:
        await services.polls.vote(Principal(ids[name], hid), hid, poll.id, {option.id: Vote.YES})
    return poll


async def planned(services: Any, demo: dict[str, Any], start: datetime, invitees: tuple[Invitee, ...]) -> str:
    """A voortgangsoverleg at `start` (an hour) with `invitees` in the order given; its id."""
    view, _ = await services.overleggen.plan(
        regisseur(demo),
        demo["household"]["id"],
        OverlegDraft(
            type=OverlegType.VOORTGANGSOVERLEG, start=start, end=start + timedelta(hours=1), invitees=invitees
        ),
    )
    return str(view.id)
