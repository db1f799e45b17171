"""Who a signed-in person is, and where: the households their session reaches, and choosing who they are.

One sign-in address may belong to several betrokkenen of one household (a shared family address): the
person then says who they are there before that household opens (`choose`); the choice holds for this
session and is in the security log.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from ..domain.access import Principal
from ..domain.betrokkene import ROLE_LABELS, Role, is_regisseur
from ..domain.errors import NotFound, StorageUnavailable, TemporaryFailure, ValidationFailed
from ..domain.names import name_key
from ..domain.ports import PageReads, UnitOfWork, UnitOfWorkFactory
from ..domain.sessions import Choice, HouseholdEntry, secret_hash
from .sessions import SessionService

security = logging.getLogger("eenplan.security")


@dataclass(frozen=True)
class HouseholdList:
    """The household list page: every household once, and whether the werkbank is theirs to open."""

    #: each household the session reaches once (one still to choose in: once, its first candidate)
    entries: list[HouseholdEntry]
    #: an active regisseur in at least one of them (the link to the werkbank)
    regisseur_somewhere: bool


class PersonDirectory:
    """The households of a person's session (the household list, `GET /api/households`) and their choices."""

    def __init__(self, uow: UnitOfWorkFactory, sessions: SessionService, reads: PageReads | None = None) -> None:
        self._uow = uow
        self._sessions = sessions
        self._reads = reads  # the pages' hot path (no unit of work); None: through one

    async def households(self, token: str) -> list[HouseholdEntry]:
        """The households this session reaches, with who the person is in each (a household where the
        address belongs to several betrokkenen is listed once per candidate, `chosen` False)."""
        rows = await self._hot_entries(token) if self._reads is not None else None
        if rows is None:
            async with self._uow(waits=True) as uow:  # one transaction, which may wait for a lock (off the loop)
                _, members = await self._sessions.members(token, uow)
                rows = await uow.persons.household_entries([m.betrokkene_id for m in members])
        counts: dict[str, int] = {}
        for row in rows:
            counts[row[0]] = counts.get(row[0], 0) + 1
        return [
            HouseholdEntry(
                household_id=r[0],
                name=r[1],
                gemeente=r[2],
                betrokkene_id=r[3],
                betrokkene_name=r[4],
                kind=r[5],
                role=r[6],
                role_label=ROLE_LABELS.get(Role(r[6]), r[6]),
                chosen=counts[r[0]] == 1,
            )
            for r in rows
        ]

    async def household_list(self, token: str) -> HouseholdList:
        """The household list page from one read of the session's households: each household once, and
        whether the person is an active regisseur in any of them (the werkbank's link)."""
        entries = await self.households(token)
        shown, seen = [], set()
        for entry in entries:  # a household still to choose in comes once per candidate: show it once
            if entry.chosen or entry.household_id not in seen:
                shown.append(entry)
                seen.add(entry.household_id)
        return HouseholdList(shown, any(is_regisseur(e.role) for e in entries))

    async def _hot_entries(self, token: str) -> list[tuple[str, str, str, str, str, str, str]] | None:
        """The session's lookup and its households without a unit of work: two indexed statements on the
        hot path (the memberships the lookup found still counting decide which rows count); None when the
        loop's connection met a lock, so that one unit of work (whose connection waits) reads both."""
        assert self._reads is not None
        _, members = await self._sessions.members(token)
        try:
            pairs = {(m.household_id, m.betrokkene_id) for m in members}
            return await self._reads.household_entries(secret_hash(token), pairs)
        except StorageUnavailable:
            raise
        except TemporaryFailure:
            return None

    async def escalations(self, token: str) -> list[HouseholdEntry]:
        """The households where the person is the gemeentelijk aanspreekpunt (a betrokkene there only while a
        case is escalated to them, until afschalen): their start page. Names and gemeenten only, no case text."""
        return [e for e in await self.households(token) if e.chosen and e.role == Role.AANSPREEKPUNT.value]

    async def choices(self, token: str) -> list[Choice]:
        """The households where the person must still say who they are, with the betrokkenen to choose from (in
        name order, `domain.names`)."""
        by_household: dict[str, list[HouseholdEntry]] = {}
        for entry in await self.households(token):
            if not entry.chosen:
                by_household.setdefault(entry.household_id, []).append(entry)
        return [
            Choice(
                entries[0].household_id,
                entries[0].name,
                tuple(
                    (e.betrokkene_id, e.betrokkene_name, e.role_label)
                    for e in sorted(entries, key=lambda e: name_key(e.betrokkene_name, e.betrokkene_id))
                ),
            )
            for entries in by_household.values()
        ]

    async def choose(self, token: str, household_id: str, betrokkene_id: str) -> None:
        """The person says who they are in a household where their address belongs to several betrokkenen."""
        session, _ = await self._sessions.members(token)
        async with self._uow(write=True) as uow:
            if not await uow.persons.keep_member(secret_hash(token), household_id, betrokkene_id):
                raise ValidationFailed.one("betrokkene", "choose one of the people listed")
            await uow.commit()
        security.info("chose betrokkene=%s person=%s", betrokkene_id, session.person_id)

    async def home_principal(self, token: str) -> Principal:
        """The person as a regisseur somewhere (for opening a new household from a session); the first
        household otherwise, where the services then refuse what needs a regisseur."""
        entries = [e for e in await self.households(token) if e.chosen]
        if not entries:
            raise NotFound("household not found")
        home = next((e for e in entries if is_regisseur(e.role)), entries[0])
        return await self._sessions.principal_for(token, home.household_id)

    async def reset_sign_in(self, email: str, now: datetime) -> bool:
        """The operator's reset (`eenplan factors-reset`), when someone who read a person's mail added a factor
        of their own: every factor of the address goes and every session ends; the person signs in by mail
        and sets up a factor again. False when the address never signed in."""
        async with self._uow(write=True) as uow:
            person_id = await uow.persons.person_id(email.strip().lower())
            if person_id is None:
                return False
            await uow.factors.forget_person(person_id)
            ended = await uow.persons.revoke_all(person_id, now)
            await uow.commit()
        security.warning("sign-in reset by the operator person=%s sessions=%d", person_id, ended)
        return True


async def forget_if_unreached(uow: UnitOfWork, email: str | None, now: datetime) -> None:
    """An address that no longer signs anyone in takes the person's factors and sessions with it, in the
    caller's transaction: whoever is given the address next (a successor at a role mailbox, a recycled
    family address) starts without the earlier holder's passkeys, app or recovery codes."""
    if not email:
        return
    email = email.strip().lower()
    person_id = await uow.persons.person_id(email)
    if person_id is None or await uow.persons.reached_by_email(email):
        return
    await uow.factors.forget_person(person_id)
    ended = await uow.persons.revoke_all(person_id, now)
    security.info("sign-in address reaches nobody any more: factors forgotten person=%s sessions=%d", person_id, ended)
