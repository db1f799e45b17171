"""The person store: people (one verified sign-in address each) and their sessions across households."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from ..domain.betrokkene import Betrokkene
from ..domain.sessions import Membership, SignInSession
from .auth_repository import _unconfirmed
from .repositories import _betrokkene
from .results import rows_changed
from .tables import BetrokkeneRow, HouseholdRow
from .tables_auth import OidcIdentityRow
from .tables_person import PersonRow, PersonSessionMemberRow, PersonSessionRow

#: (session, the members in the household asked for): what one request's authentication reads
SessionLookup = tuple[SignInSession, list[Membership]]


def _lookup(one_household: bool) -> sa.Select[Any]:
    member_on = col(PersonSessionMemberRow.token_hash) == col(PersonSessionRow.token_hash)
    if one_household:
        member_on = sa.and_(member_on, col(PersonSessionMemberRow.household_id) == sa.bindparam("household_id"))
    still_theirs = sa.and_(
        col(BetrokkeneRow.id) == col(PersonSessionMemberRow.betrokkene_id),
        col(BetrokkeneRow.removed_at).is_(None),
        sa.or_(
            col(PersonSessionMemberRow.via_pin).is_(True),
            sa.and_(
                sa.func.lower(col(BetrokkeneRow.email)) == col(PersonRow.email),
                ~sa.exists().where(*_unconfirmed(col(BetrokkeneRow.id))),
            ),
        ),
    )
    stmt = (
        sa.select(
            col(PersonSessionRow.person_id),
            col(PersonSessionRow.method),
            col(PersonSessionRow.created_at),
            col(PersonSessionRow.last_seen_at),
            col(PersonSessionRow.expires_at),
            col(PersonSessionRow.second_factor_at),
            col(PersonSessionRow.professional),
            col(PersonSessionMemberRow.household_id),
            col(PersonSessionMemberRow.betrokkene_id),
            col(PersonSessionMemberRow.issued_by),
            col(PersonSessionMemberRow.via_pin),
            col(BetrokkeneRow.id),
            col(PersonRow.email),
        )
        .join(PersonRow, col(PersonRow.id) == col(PersonSessionRow.person_id))
        .outerjoin(PersonSessionMemberRow, member_on)
        .outerjoin(BetrokkeneRow, still_theirs)
        .where(
            col(PersonSessionRow.token_hash) == sa.bindparam("token_hash"), col(PersonSessionRow.revoked_at).is_(None)
        )
    )
    return cast("sa.Select[Any]", stmt)


#: the session lookup in every household, and in one (compiled once; parameters token_hash, household_id)
LOOKUP_EVERY_HOUSEHOLD = _lookup(False)
LOOKUP_ONE_HOUSEHOLD = _lookup(True)


#: the values of the statements' own literals (bound as parameters): raw connections must pass them too
_LITERALS = {
    id(stmt): {k: v for k, v in stmt.compile().params.items() if k not in ("token_hash", "household_id")}
    for stmt in (LOOKUP_EVERY_HOUSEHOLD, LOOKUP_ONE_HOUSEHOLD)
}


def lookup_statement(token_hash: str, household_id: str | None) -> tuple[sa.Select[Any], dict[str, Any]]:
    """The statement (of the two above) and every parameter of one lookup, its literals included."""
    stmt = LOOKUP_EVERY_HOUSEHOLD if household_id is None else LOOKUP_ONE_HOUSEHOLD
    params: dict[str, Any] = {**_LITERALS[id(stmt)], "token_hash": token_hash}
    if household_id is not None:
        params["household_id"] = household_id
    return stmt, params


def _aware(value: datetime | str | None) -> datetime | None:
    """SQLite's raw rows hold text, the ORM and asyncpg datetimes: all become aware UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def decode_lookup(rows: Sequence[Any]) -> SessionLookup | None:
    """The session and the memberships that still count, from the lookup's rows (ORM, SQLite or asyncpg)."""
    if not rows:
        return None
    first = rows[0]
    created, seen, expires = _aware(first[2]), _aware(first[3]), _aware(first[4])
    assert created is not None and seen is not None and expires is not None  # NOT NULL columns
    session = SignInSession(first[0], first[1], created, seen, expires, first[5] is not None, bool(first[6]), first[12])
    return session, [Membership(r[7], r[8], r[9], bool(r[10])) for r in rows if r[11] is not None]


class PersonRepository:
    """People, person sessions and the memberships a session reaches (hashes of tokens only)."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    # -- people ---------------------------------------------------------------------------------------------

    async def person_for(self, email: str, now: datetime) -> str:
        """The id of the person who signs in with `email` (lower case), made at their first sign-in."""
        found = await self.person_id(email)
        if found is not None:
            return found
        person_id = str(uuid.uuid4())
        self._s.add(PersonRow(id=person_id, email=email, created_at=now))
        await self._s.flush()  # a concurrent first sign-in of the same address fails here (unique): retried
        return person_id

    async def person_id(self, email: str) -> str | None:
        """The id of the person with this sign-in address, if they ever signed in."""
        stmt = sa.select(col(PersonRow.id)).where(col(PersonRow.email) == email)
        return (await self._s.execute(stmt)).scalar_one_or_none()

    async def email_of(self, person_id: str) -> str | None:
        """The sign-in address of a person."""
        row = await self._s.get(PersonRow, person_id)
        return row.email if row else None

    async def reached_by_email(self, email: str) -> list[Betrokkene]:
        """Every active betrokkene, in any household, who signs in with `email` (compared case-insensitively);
        an address someone else added and its owner has not confirmed signs nobody in."""
        stmt = (
            sa.select(BetrokkeneRow)
            .where(
                col(BetrokkeneRow.removed_at).is_(None),
                sa.func.lower(col(BetrokkeneRow.email)) == email.lower(),
                ~sa.exists().where(*_unconfirmed(col(BetrokkeneRow.id))),
            )
            # the oldest membership first: sign-in mail goes through it, so a household opened later (by a
            # regisseur who then records this address) cannot take the person's sign-in mail over
            .order_by(col(BetrokkeneRow.created_at), col(BetrokkeneRow.id))
        )
        return [_betrokkene(r) for r in (await self._s.execute(stmt)).scalars()]

    async def pinned_to(self, issuer: str, subject: str) -> list[Betrokkene]:
        """The active betrokkenen an OIDC provider account is pinned to."""
        stmt = (
            sa.select(BetrokkeneRow)
            .join(OidcIdentityRow, col(OidcIdentityRow.betrokkene_id) == col(BetrokkeneRow.id))
            .where(
                col(OidcIdentityRow.issuer) == issuer,
                col(OidcIdentityRow.subject) == subject,
                col(BetrokkeneRow.removed_at).is_(None),
            )
        )
        return [_betrokkene(r) for r in (await self._s.execute(stmt)).scalars()]

    # -- sessions -------------------------------------------------------------------------------------------

    async def add_session(
        self,
        token_hash: str,
        person_id: str,
        method: str,
        members: list[Membership],
        *,
        now: datetime,
        expires_at: datetime,
        second_factor: bool,
        professional: bool,
        user_agent: str,
    ) -> None:
        """Store a new session under the hash of its token, with the memberships it reaches."""
        self._s.add(
            PersonSessionRow(
                token_hash=token_hash,
                person_id=person_id,
                method=method,
                professional=professional,
                created_at=now,
                last_seen_at=now,
                expires_at=expires_at,
                second_factor_at=now if second_factor else None,
                user_agent=user_agent[:120],
            )
        )
        await self._s.flush()
        for m in members:
            await self.add_member(token_hash, m)

    async def add_member(self, token_hash: str, member: Membership) -> None:
        """Let a live session reach one more household as `member` (a household the person just opened)."""
        self._s.add(
            PersonSessionMemberRow(
                token_hash=token_hash,
                household_id=member.household_id,
                betrokkene_id=member.betrokkene_id,
                issued_by=member.issued_by,
                via_pin=member.via_pin,
            )
        )
        await self._s.flush()

    async def lookup(self, token_hash: str, household_id: str | None) -> SessionLookup | None:
        """A session that is not revoked, with its memberships in `household_id` (None: in every household).

        A membership counts only while its betrokkene is active and, unless it was reached through the
        pinned OIDC account, still has the person's address, confirmed: a changed address or a removal
        ends the session's access to that household at the next request, not the whole session. (The
        pages' hot path runs the very same statement on the loop's connection: `reads.PlanReader.session`.)"""
        stmt, params = lookup_statement(token_hash, household_id)
        return decode_lookup((await self._s.execute(stmt, params)).all())

    async def touch(self, token_hash: str, now: datetime, older_than: datetime) -> None:
        """Record activity, unless another request already did so since `older_than`."""
        await self._s.execute(
            sa.update(PersonSessionRow)
            .where(col(PersonSessionRow.token_hash) == token_hash, col(PersonSessionRow.last_seen_at) <= older_than)
            .values(last_seen_at=now)
        )

    async def revoke(self, token_hash: str, now: datetime) -> bool:
        """End a session; False when it was already ended (or never existed)."""
        result = await self._s.execute(
            sa.update(PersonSessionRow)
            .where(col(PersonSessionRow.token_hash) == token_hash, col(PersonSessionRow.revoked_at).is_(None))
            .values(revoked_at=now)
        )
        return rows_changed(result) == 1

    async def revoke_all(self, person_id: str, now: datetime) -> int:
        """End every live session of a person (sign out everywhere); how many ended."""
        result = await self._s.execute(
            sa.update(PersonSessionRow)
            .where(col(PersonSessionRow.person_id) == person_id, col(PersonSessionRow.revoked_at).is_(None))
            .values(revoked_at=now)
        )
        return rows_changed(result)

    async def sessions_of(self, person_id: str, now: datetime) -> list[tuple[str, PersonSessionRow]]:
        """The person's sessions that are not revoked and not past their absolute end, newest first."""
        stmt = (
            sa.select(PersonSessionRow)
            .where(
                col(PersonSessionRow.person_id) == person_id,
                col(PersonSessionRow.revoked_at).is_(None),
                col(PersonSessionRow.expires_at) > now,
            )
            .order_by(col(PersonSessionRow.created_at).desc())
        )
        return [(r.token_hash, r) for r in (await self._s.execute(stmt)).scalars()]

    async def session_row(self, token_hash: str) -> PersonSessionRow | None:
        """The stored session (for rotation: its person, method, members, end)."""
        return await self._s.get(PersonSessionRow, token_hash)

    async def members(self, token_hash: str) -> list[Membership]:
        """Every membership of a session."""
        stmt = sa.select(PersonSessionMemberRow).where(col(PersonSessionMemberRow.token_hash) == token_hash)
        rows = (await self._s.execute(stmt)).scalars()
        return [Membership(r.household_id, r.betrokkene_id, r.issued_by, r.via_pin) for r in rows]

    async def keep_member(self, token_hash: str, household_id: str, betrokkene_id: str) -> bool:
        """The person chose who they are in a household: drop the other candidates there. False if not one."""
        stmt = sa.select(sa.func.count()).where(
            col(PersonSessionMemberRow.token_hash) == token_hash,
            col(PersonSessionMemberRow.household_id) == household_id,
            col(PersonSessionMemberRow.betrokkene_id) == betrokkene_id,
        )
        if not (await self._s.execute(stmt)).scalar():
            return False
        await self._s.execute(
            sa.delete(PersonSessionMemberRow).where(
                col(PersonSessionMemberRow.token_hash) == token_hash,
                col(PersonSessionMemberRow.household_id) == household_id,
                col(PersonSessionMemberRow.betrokkene_id) != betrokkene_id,
            )
        )
        return True

    async def mark_second_factor(self, token_hash: str, now: datetime) -> None:
        """Record that the session's person completed a second factor."""
        await self._s.execute(
            sa.update(PersonSessionRow)
            .where(col(PersonSessionRow.token_hash) == token_hash)
            .values(second_factor_at=now)
        )

    async def household_entries(self, betrokkene_ids: list[str]) -> list[tuple[str, str, str, str, str, str, str]]:
        """(household id, name, gemeente, betrokkene id, betrokkene name, kind, role) for these betrokkenen,
        ordered by household name."""
        if not betrokkene_ids:
            return []
        stmt = (
            sa.select(
                col(HouseholdRow.id),
                col(HouseholdRow.name),
                col(HouseholdRow.gemeente),
                col(BetrokkeneRow.id),
                col(BetrokkeneRow.name),
                col(BetrokkeneRow.kind),
                col(BetrokkeneRow.role),
            )
            .join(HouseholdRow, col(HouseholdRow.id) == col(BetrokkeneRow.household_id))
            .where(col(BetrokkeneRow.id).in_(betrokkene_ids))
            .order_by(col(HouseholdRow.name), col(HouseholdRow.id), col(BetrokkeneRow.name))
        )
        return [(r[0], r[1], r[2], r[3], r[4], r[5], r[6]) for r in (await self._s.execute(stmt)).all()]

    async def purge(self, now: datetime) -> None:
        """Delete sessions past their absolute end (their memberships go with them)."""
        old = sa.select(col(PersonSessionRow.token_hash)).where(col(PersonSessionRow.expires_at) < now)
        await self._s.execute(sa.delete(PersonSessionMemberRow).where(col(PersonSessionMemberRow.token_hash).in_(old)))
        await self._s.execute(sa.delete(PersonSessionRow).where(col(PersonSessionRow.expires_at) < now))
