"""What the caseload service (services/caseload.py) needs from storage: batched reads over many households."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from .caseload import HouseholdFacts
from .ports import UnitOfWork


class CaseloadStore(Protocol):
    """The caseload's reads inside one unit of work (storage/caseload_repository.py): a fixed set of queries."""

    async def regisseur_households(self, memberships: list[tuple[str, str]]) -> list[tuple[str, str]]: ...
    async def facts(self, household_ids: list[str], now: datetime) -> list[HouseholdFacts]: ...


#: the store over an open unit of work (bootstrap wires `storage.caseload_repository.reads`)
CaseloadReads = Callable[[UnitOfWork], CaseloadStore]
