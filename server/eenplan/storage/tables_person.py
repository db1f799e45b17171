"""Tables for people and their sign-in sessions across households (issue 11).

A person is one verified sign-in address; a session belongs to a person and reaches, as one betrokkene
each, the households where that address belongs to an active betrokkene (`person_session_member`,
filled at sign-in). Secrets are stored only as SHA-256 hashes, which are also the primary keys.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .tables_base import _ts


class PersonRow(SQLModel, table=True):
    """One person: the sign-in address they proved they receive mail at (lower case, unique)."""

    __tablename__ = "person"
    id: str = Field(primary_key=True, max_length=36)
    email: str = Field(max_length=254, sa_column_kwargs={"unique": True})
    created_at: datetime = Field(sa_column=_ts())


class PersonSessionRow(SQLModel, table=True):
    """A server-side session of one person: live while not revoked, not idle, not past expires_at."""

    __tablename__ = "person_session"
    token_hash: str = Field(primary_key=True, max_length=64)
    person_id: str = Field(foreign_key="person.id", index=True, max_length=36)
    method: str = Field(max_length=20)
    #: whether the person is a professional in a household the session reaches (the 2FA policy asks)
    professional: bool = Field(default=False)
    created_at: datetime = Field(sa_column=_ts())
    last_seen_at: datetime = Field(sa_column=_ts())
    expires_at: datetime = Field(sa_column=_ts())
    revoked_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    second_factor_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    user_agent: str = Field(default="", max_length=120)


class PersonSessionMemberRow(SQLModel, table=True):
    """One betrokkene a session is in one household (several rows for one household: the person must choose)."""

    __tablename__ = "person_session_member"
    token_hash: str = Field(
        sa_column=sa.Column(
            sa.String(64), sa.ForeignKey("person_session.token_hash", ondelete="CASCADE"), primary_key=True
        )
    )
    household_id: str = Field(primary_key=True, max_length=36)
    betrokkene_id: str = Field(foreign_key="betrokkene.id", primary_key=True, max_length=36)
    #: who added the address this membership was reached through, when that was someone else (not personal)
    issued_by: str | None = Field(default=None, max_length=36)
    #: reached through the OIDC account pinned to the betrokkene (else: through the person's address, which must
    #: stay the betrokkene's confirmed address for the membership to count)
    via_pin: bool = Field(default=False)
