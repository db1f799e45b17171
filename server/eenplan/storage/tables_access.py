"""Tables for consent (toestemming), overmacht decisions and the NEN 7513 access log."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .tables_base import _ts

MONITORING_SCOPE = "monitoring"  # token_revocation.scope of monitoring tokens (household ids are UUIDs)


class ConsentRow(SQLModel, table=True):
    """A request to share sections with one betrokkene, and its outcome."""

    __tablename__ = "consent"
    id: str = Field(primary_key=True, max_length=36)
    household_id: str = Field(foreign_key="household.id", index=True, max_length=36)
    requested_by: str = Field(max_length=36)
    grantee_id: str = Field(foreign_key="betrokkene.id", index=True, max_length=36)
    about_id: str | None = Field(default=None, max_length=36)
    sections: str = Field(max_length=200)
    level: int
    purpose: str = Field(max_length=1000)
    until: date
    status: str = Field(max_length=20)
    created_at: datetime = Field(sa_column=_ts())
    decided_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    revoked_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    revoked_by: str | None = Field(default=None, max_length=36)
    #: comma-separated ids of the klanten whose answer the request needs, fixed when it is made
    #: (NULL on rows from before migration 0008: computed from the current people)
    required: str | None = Field(default=None, sa_column=sa.Column(sa.Text(), nullable=True))


class ConsentApprovalRow(SQLModel, table=True):
    """One klant's answer to a consent request."""

    __tablename__ = "consent_approval"
    consent_id: str = Field(foreign_key="consent.id", primary_key=True, max_length=36)
    betrokkene_id: str = Field(primary_key=True, max_length=36)
    approved: bool
    method: str | None = Field(default=None, max_length=20)
    at: datetime = Field(sa_column=_ts())
    confirmed_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    #: a paper form recorded by a regisseur on behalf of the klant who signed it (migration 0014)
    recorded_by: str | None = Field(default=None, max_length=36)
    form_date: date | None = None
    form_reference: str | None = Field(default=None, max_length=100)


class OvermachtRow(SQLModel, table=True):
    """A professional's recorded decision to share (or not) without consent."""

    __tablename__ = "overmacht"
    id: str = Field(primary_key=True, max_length=36)
    household_id: str = Field(foreign_key="household.id", index=True, max_length=36)
    professional_id: str = Field(max_length=36)
    recipient_id: str = Field(foreign_key="betrokkene.id", index=True, max_length=36)
    answers: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    besluit: str = Field(max_length=20)
    sections: str = Field(max_length=200)
    until: date
    created_at: datetime = Field(sa_column=_ts())


class AccessLogRow(SQLModel, table=True):
    """One access to plan data. Append-only (database triggers refuse UPDATE and DELETE); hash-chained."""

    __tablename__ = "access_log"
    __table_args__ = (sa.Index("ix_access_log_actor", "household_id", "actor_id", "seq"),)  # migration 0019
    household_id: str = Field(primary_key=True, max_length=36)
    seq: int = Field(primary_key=True)
    at: datetime = Field(sa_column=_ts())
    event: str = Field(max_length=20)
    actor_id: str | None = Field(default=None, max_length=36)
    on_behalf_of: str | None = Field(default=None, max_length=36)
    sections: str = Field(max_length=200)
    channel: str = Field(max_length=10)
    ground: str = Field(max_length=500)
    emergency: bool
    detail: str = Field(max_length=200)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class AccessLogHeadRow(SQLModel, table=True):
    """The last entry of each household's chain: the row appenders lock to extend it."""

    __tablename__ = "access_log_head"
    household_id: str = Field(primary_key=True, max_length=36)
    seq: int
    hash: str = Field(max_length=64)


class TokenRevocationRow(SQLModel, table=True):
    """A revoked API or monitoring token (its `jti`), kept until the token would have expired anyway.

    The scope is the household a revoking regisseur acts for (or MONITORING_SCOPE): a jti listed for one
    household never ends another household's token."""

    __tablename__ = "token_revocation"
    jti: str = Field(primary_key=True, max_length=64)
    scope: str = Field(primary_key=True, max_length=36)
    revoked_by: str | None = Field(default=None, max_length=36)
    revoked_at: datetime = Field(sa_column=_ts())
    expires_at: datetime = Field(sa_column=_ts())
