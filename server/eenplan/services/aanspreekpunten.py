"""The registry of gemeentelijk aanspreekpunten: one per gemeente, with a validated OpenPGP key.

Kept by the operator on the command line (`eenplan aanspreekpunt add|list|remove`): the
aanspreekpunt is an official of the municipality, not a betrokkene of any household, so no
household role may add one. Regisseurs read the entry for their household's gemeente (to know
who receives the plan copy on escalation to step 4). Keys are checked by the server keyring
exactly like a betrokkene's uploaded key (`KeyringPort.import_pinned`: algorithm, expiry,
encryption capability) and pinned by fingerprint.
"""

from __future__ import annotations

from ..domain.access import Principal
from ..domain.addresses import check_address
from ..domain.errors import NotFound, ValidationFailed
from ..domain.mailgroup_ports import KeyringPort
from ..domain.names import check_name
from ..domain.ports import Clock, UnitOfWorkFactory
from ..domain.stagnatie import Aanspreekpunt, gemeente_key
from .common import Need, authorised, known_household
from .household_keys import HouseholdKeys


class AanspreekpuntService:
    """Operator registry of aanspreekpunten and the regisseur's read of it."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        keyring: KeyringPort | None,
        clock: Clock,
        household_keys: HouseholdKeys | None = None,
    ) -> None:
        self._uow = uow
        self._household_keys = household_keys  # stores the armored key, so every node can encrypt to it
        self._keyring = keyring
        self._clock = clock

    async def add(self, gemeente: str, name: str, email: str, armored: str) -> Aanspreekpunt:
        """Register (or replace) a gemeente's aanspreekpunt after validating its key (operator use)."""
        gemeente_key(gemeente)
        name = check_name(name, "name", max_chars=200)
        check_address(email, "email")
        if self._keyring is None:
            raise ValidationFailed.one("EENPLAN_GNUPGHOME", "no keyring is configured")
        info = await self._keyring.import_pinned(armored, self._clock())
        entry = Aanspreekpunt(
            " ".join(gemeente.split()),
            name.strip(),
            email.lower(),
            info.fingerprint,
            info.algorithm,
            info.expires,
            self._clock(),
        )
        async with self._uow(write=True) as uow:
            await uow.stagnatie.put_aanspreekpunt(entry)
            if self._household_keys is not None:
                await self._household_keys.remember_public(uow, info.fingerprint)
            await uow.commit()
        return entry

    async def list(self) -> list[Aanspreekpunt]:
        """Every registered aanspreekpunt (operator use)."""
        async with self._uow() as uow:
            return await uow.stagnatie.list_aanspreekpunten()

    async def remove(self, gemeente: str) -> None:
        """Remove a gemeente's entry (operator use); cases already at step 4 keep their betrokkene."""
        async with self._uow(write=True) as uow:
            if not await uow.stagnatie.delete_aanspreekpunt(gemeente_key(gemeente)):
                raise NotFound("no aanspreekpunt registered for this gemeente")
            await uow.commit()

    async def for_household(self, principal: Principal, household_id: str) -> Aanspreekpunt:
        """The aanspreekpunt of the household's gemeente (regisseurs)."""
        async with authorised(
            self._uow, principal, household_id, need=Need.REGISSEUR, what="see the gemeentelijk aanspreekpunt"
        ) as caller:
            uow = caller.uow
            household = await known_household(uow, household_id)
            found = await uow.stagnatie.get_aanspreekpunt(gemeente_key(household.gemeente))
        if found is None:
            raise NotFound("no aanspreekpunt registered for this household's gemeente")
        return found
