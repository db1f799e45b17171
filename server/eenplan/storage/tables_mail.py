"""Tables for keys, mailgroups and the mail outbox.

Outbox rows hold identifiers and version numbers only — never plan content.
The one exception is an overleg invite's payload (its .ics and the agenda
text), which is stored like plan data and only ever leaves encrypted (the
agenda) or content-free (the .ics).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .tables_base import _ts


class MailKeyRow(SQLModel, table=True):
    """The OpenPGP public key pinned for one betrokkene (by fingerprint)."""

    __tablename__ = "mail_key"
    household_id: str = Field(foreign_key="household.id", primary_key=True, max_length=36)
    betrokkene_id: str = Field(foreign_key="betrokkene.id", primary_key=True, max_length=36)
    fingerprint: str = Field(max_length=40)
    algorithm: str = Field(max_length=40)
    expires_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    uploaded_at: datetime = Field(sa_column=_ts())
    uploaded_by: str = Field(max_length=36)
    expiry_warned_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class MailGroupRow(SQLModel, table=True):
    """A named subset of a household's betrokkenen with its own address plan-<code>-<slug>@domain."""

    __tablename__ = "mail_group"
    __table_args__ = (sa.UniqueConstraint("household_id", "slug", name="uq_mail_group_slug"),)
    id: str = Field(primary_key=True, max_length=36)
    household_id: str = Field(foreign_key="household.id", index=True, max_length=36)
    slug: str = Field(max_length=20)
    name: str = Field(max_length=200)
    plan_updates: bool = False
    created_at: datetime = Field(sa_column=_ts())


class MailGroupMemberRow(SQLModel, table=True):
    """Membership of one betrokkene in one named group."""

    __tablename__ = "mail_group_member"
    group_id: str = Field(foreign_key="mail_group.id", primary_key=True, max_length=36)
    betrokkene_id: str = Field(foreign_key="betrokkene.id", primary_key=True, max_length=36)


class OutboxRow(SQLModel, table=True):
    """One message to one recipient, queued in the transaction that caused it (transactional outbox)."""

    __tablename__ = "mail_outbox"
    __table_args__ = (
        sa.UniqueConstraint("household_id", "recipient_id", "kind", "dedupe_key", name="uq_mail_outbox_dedupe"),
        sa.Index("ix_mail_outbox_due", "status", "next_attempt_at"),
    )
    id: str = Field(primary_key=True, max_length=36)
    household_id: str = Field(foreign_key="household.id", index=True, max_length=36)
    recipient_id: str = Field(max_length=36)
    kind: str = Field(max_length=20)
    dedupe_key: str = Field(max_length=200)
    version: int | None = None
    group_id: str | None = Field(default=None, max_length=36)
    payload: str | None = Field(default=None, sa_column=sa.Column(sa.Text(), nullable=True))
    status: str = Field(max_length=12)
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_column=_ts())
    claimed_until: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    claimed_by: str | None = Field(default=None, max_length=64)
    last_error: str | None = Field(default=None, max_length=300)
    message_id: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(sa_column=_ts())
    sent_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    view_hash: str | None = Field(default=None, max_length=64)  # a sent plan update's view, hashed (0013)
