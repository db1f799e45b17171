"""What every service shares: authorising the caller (`authorised`), retrying on write conflicts."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from enum import Enum
from typing import TypeVar

from ..domain.access import (
    Actor,
    Principal,
    require_klant,
    require_personal,
    require_regisseur,
    require_second_factor,
)
from ..domain.betrokkene import Kind, Role
from ..domain.errors import NotFound, StorageUnavailable, TemporaryFailure
from ..domain.household import Household
from ..domain.ports import UnitOfWork, UnitOfWorkFactory
from ..domain.veiligheid import require_professional

T = TypeVar("T")

NOT_FOUND = "household not found"


class Need(Enum):
    """What a use case asks of its caller beyond membership (checked in this order: role, then personal)."""

    MEMBER = "member"  # any active betrokkene of the household
    REGISSEUR = "regisseur"  # a regisseur of the household (require_regisseur)
    PROFESSIONAL = "professional"  # a professional or a regisseur (safety signals: require_professional)
    KLANT = "klant"  # a klant of the household (require_klant)
    PERSONAL = "personal"  # a credential the person holds themself, not one issued for them (require_personal)
    PERSONAL_KLANT = "personal klant"  # a klant speaking for themself: KLANT, then PERSONAL
    PERSONAL_PROFESSIONAL = "personal professional"  # a professional acting as themself: PROFESSIONAL, PERSONAL
    #: a klant reading what only they may, with a second factor (the access log, NEN 7513): PERSONAL_KLANT + 2FA
    PERSONAL_KLANT_SECOND_FACTOR = "personal klant with a second factor"


@dataclass(frozen=True)
class Caller:
    """An authorised caller inside its open unit of work: what the body of a use case works with."""

    uow: UnitOfWork
    actor: Actor
    current_version: int
    principal: Principal


def _require(need: Need, caller: Caller, what: str) -> None:
    """Raise Forbidden (the message names `what`) unless the caller meets `need`."""
    if need is Need.REGISSEUR:
        require_regisseur(caller.actor, what)
    elif need in (Need.PROFESSIONAL, Need.PERSONAL_PROFESSIONAL):
        require_professional(caller.actor, what)
    if need in (Need.KLANT, Need.PERSONAL_KLANT, Need.PERSONAL_KLANT_SECOND_FACTOR):
        require_klant(caller.actor, what)
    if need in (Need.PERSONAL, Need.PERSONAL_KLANT, Need.PERSONAL_PROFESSIONAL, Need.PERSONAL_KLANT_SECOND_FACTOR):
        require_personal(caller.principal, what)
    if need is Need.PERSONAL_KLANT_SECOND_FACTOR:
        require_second_factor(caller.principal, what)


def require_need(caller: Caller, need: Need, what: str) -> None:
    """Check `need` inside a use case's body, where it depends on what the body read (e.g. a case's
    aanspreekpunt acting): the same checks and messages as `authorised(need=...)`."""
    _require(need, caller, what)


@asynccontextmanager
async def authorised(
    uow_factory: UnitOfWorkFactory,
    principal: Principal,
    household_id: str,
    *,
    write: bool = False,
    need: Need = Need.MEMBER,
    what: str = "",
    waits: bool = False,
) -> AsyncIterator[Caller]:
    """Open a unit of work (`write` for one that commits, `waits` for a long read) for a caller who may do `what`.

    The one preamble of every use case: membership first (NotFound for a non-member, as for a household
    that does not exist), then `need` (Forbidden naming `what`), before the body runs. The body works
    with `caller.uow`; it commits itself, and an exception in it rolls the unit back.
    Access to plan content is still decided by `decide` in the body: this checks who, not what.
    """
    if need is not Need.MEMBER and not what:
        raise ValueError("name what the caller wants to do: the Forbidden message says it")
    async with uow_factory(write=write, waits=waits) as uow:  # waits: a long read (`UnitOfWorkFactory`)
        actor, current = await _resolve_actor(uow, principal, household_id)
        caller = Caller(uow, actor, current, principal)
        _require(need, caller, what)
        yield caller


async def _resolve_actor(uow: UnitOfWork, principal: Principal, household_id: str) -> tuple[Actor, int]:
    """The caller as an actor of this household and the plan's current version.

    A caller who is not an active betrokkene of the household gets the same
    NotFound as for a household that does not exist: membership is secret.
    """
    if principal.household_id != household_id:
        raise NotFound(NOT_FOUND)
    row = await uow.betrokkenen.membership(household_id, principal.betrokkene_id)
    if row is None:
        raise NotFound(NOT_FOUND)
    kind, role, current = row
    return Actor(principal.betrokkene_id, household_id, Kind(kind), Role(role), principal.issued_by), current


async def known_household(uow: UnitOfWork, household_id: str) -> Household:
    """The household, which the caller's membership (or a queued row) says exists; NotFound if it is gone."""
    household = await uow.households.get(household_id)
    if household is None:
        raise NotFound(NOT_FOUND)
    return household


async def retry_on_conflict(attempt: Callable[[], Awaitable[T]], tries: int = 8) -> T:
    """Run a write transaction again when a concurrent one got there first.

    A storage fault (full disk, read-only file, failing I/O) is not a conflict: it fails at once.
    """
    for n in range(tries):
        try:
            return await attempt()
        except StorageUnavailable:
            raise
        except TemporaryFailure:
            if n == tries - 1:
                raise
            await asyncio.sleep(random.uniform(0.005, 0.02) * (2 ** min(n, 5)))
    raise AssertionError("unreachable")
