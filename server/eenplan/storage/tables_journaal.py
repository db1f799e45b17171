"""The household's journaal (issue 14 item 6, migration 0018): messages members wrote to a group.

The text is care content: it is only shown to the group's members (domain.journaal.may_read_journaal) and every
showing is access-logged. No address, no attachment and no outer header of the mail is kept."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .tables_base import _ts


class JournaalMessageRow(SQLModel, table=True):
    """One message in a household's journaal; `key_hash` (Message-ID and recipient) makes a redelivery count once."""

    __tablename__ = "journaal_message"
    id: str = Field(primary_key=True, max_length=36)
    household_id: str = Field(foreign_key="household.id", index=True, max_length=36)
    group_id: str | None = Field(default=None, max_length=36)  # None: everyone with e-mail; no FK (groups go)
    author_id: str = Field(foreign_key="betrokkene.id", max_length=36)
    received_at: datetime = Field(sa_column=_ts())
    subject: str | None = Field(default=None, max_length=200)
    text: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    had_attachments: bool = False
    key_hash: str = Field(max_length=64, sa_column_kwargs={"unique": True})
