"""The household generation (issue 15, migration 0023): a value every change deciding access replaces.

PostgreSQL's triggers give it a fresh random value (never a counter: it must not repeat) in the same
transaction as any change to a household's members, consents, overmacht, escalation grants, versions or token
revocations (`pg_generation`); SQLite has the table but no triggers (one node: `reads.PlanReader` forgets by
`data_version` there).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class HouseholdGenerationRow(SQLModel, table=True):
    """A household's generation: answers remembered under any other value may no longer be used. (The
    server default 0 is SQLite's; PostgreSQL's default is a fresh random value, migration 0023.)"""

    __tablename__ = "household_generation"
    household_id: str = Field(primary_key=True, max_length=36)
    generation: int = Field(sa_column=sa.Column(sa.BigInteger(), nullable=False, server_default="0"))
