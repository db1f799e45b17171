"""The household generation (issue 15, migration 0023): a number that moves with every change deciding access.

PostgreSQL's triggers bump it in the same transaction as any change to a household's members, consents,
overmacht, escalation grants, versions or token revocations (`pg_generation`); SQLite has the table but no
triggers (one node: `reads.PlanReader` forgets by `data_version` there).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class HouseholdGenerationRow(SQLModel, table=True):
    """A household's generation: answers remembered under an older one may no longer be used."""

    __tablename__ = "household_generation"
    household_id: str = Field(primary_key=True, max_length=36)
    generation: int = Field(sa_column=sa.Column(sa.BigInteger(), nullable=False, server_default="0"))
