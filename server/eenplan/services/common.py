"""What every service shares: resolving the caller to an actor, retrying on write conflicts."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from ..domain.access import Actor, Principal
from ..domain.betrokkene import Kind, Role
from ..domain.errors import NotFound, StorageUnavailable, TemporaryFailure
from ..domain.household import Household
from ..domain.ports import UnitOfWork

T = TypeVar("T")

NOT_FOUND = "household not found"


async def resolve_actor(uow: UnitOfWork, principal: Principal, household_id: str) -> tuple[Actor, int]:
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
    return Actor(principal.betrokkene_id, household_id, Kind(kind), Role(role)), current


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
