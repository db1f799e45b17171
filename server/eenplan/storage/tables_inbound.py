"""Tables for mail that comes back to the group addresses (issue 14, migration 0015). Identifiers and
answers only: no subject, no body, no address is stored."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .tables_base import _ts


class InboundMessageRow(SQLModel, table=True):
    """A message handled once: the SHA-256 of its Message-ID and recipient, so a redelivery is a duplicate."""

    __tablename__ = "inbound_message"
    key_hash: str = Field(primary_key=True, max_length=64)
    household_id: str | None = Field(default=None, max_length=36)
    outcome: str = Field(max_length=20)
    received_at: datetime = Field(sa_column=_ts())


class OverlegMailAnswerRow(SQLModel, table=True):
    """An invitee's latest answer by mail (iMIP REPLY) and whether their pinned key signed it."""

    __tablename__ = "overleg_mail_answer"
    overleg_id: str = Field(foreign_key="overleg.id", primary_key=True, max_length=36)
    betrokkene_id: str = Field(primary_key=True, max_length=36)
    partstat: str = Field(max_length=20)
    signed: bool
    received_at: datetime = Field(sa_column=_ts())


class OverlegProposalRow(SQLModel, table=True):
    """Another time an invitee proposed by mail (iMIP COUNTER)."""

    __tablename__ = "overleg_proposal"
    id: str = Field(primary_key=True, max_length=36)
    overleg_id: str = Field(foreign_key="overleg.id", index=True, max_length=36)
    betrokkene_id: str = Field(max_length=36)
    start_at: datetime = Field(sa_column=_ts())
    end_at: datetime = Field(sa_column=_ts())
    signed: bool
    received_at: datetime = Field(sa_column=_ts())


class AddressBounceRow(SQLModel, table=True):
    """How often mail to a betrokkene's address failed lately (Mailman's score) and whether it is disabled."""

    __tablename__ = "address_bounce"
    betrokkene_id: str = Field(foreign_key="betrokkene.id", primary_key=True, max_length=36)
    household_id: str = Field(foreign_key="household.id", index=True, max_length=36)
    address: str = Field(max_length=254)
    score: float
    last_bounce_on: date
    disabled_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class KeyCandidateRow(SQLModel, table=True):
    """A key offered by mail (Autocrypt) for one betrokkene, until they confirm or decline it (migration 0017)."""

    __tablename__ = "key_candidate"
    betrokkene_id: str = Field(foreign_key="betrokkene.id", primary_key=True, max_length=36)
    household_id: str = Field(foreign_key="household.id", max_length=36)
    fingerprint: str = Field(max_length=40)
    armored: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    offered_at: datetime = Field(sa_column=_ts())
