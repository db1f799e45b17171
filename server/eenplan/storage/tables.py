"""The database tables, as SQLModel table models.

Table models skip validation: input is validated by the domain and by the
web layer's non-table models before anything reaches these classes.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

# The tables of each area live beside this module; importing them here puts them in `metadata`,
# which the migrations and their test compare against. They import only `tables_base`, never this module.
from . import (  # noqa: F401
    tables_access,
    tables_auth,
    tables_cluster,
    tables_factors,
    tables_generation,
    tables_inbound,
    tables_journaal,
    tables_keys,
    tables_mail,
    tables_overleg,
    tables_person,
    tables_plan_deadlines,
    tables_stagnatie,
)
from .tables_base import _ts


class HouseholdRow(SQLModel, table=True):
    """A household (huishouden) with its plan pointer and phase."""

    __tablename__ = "household"
    id: str = Field(primary_key=True, max_length=36)
    code: str = Field(max_length=32, sa_column_kwargs={"unique": True}, nullable=False)
    name: str = Field(max_length=200)
    gemeente: str = Field(max_length=100)
    phase: int
    current_version: int
    created_at: datetime = Field(sa_column=_ts())


class PhaseChangeRow(SQLModel, table=True):
    """One recorded phase transition."""

    __tablename__ = "phase_change"
    id: int | None = Field(default=None, primary_key=True)
    household_id: str = Field(foreign_key="household.id", index=True, max_length=36)
    from_phase: int | None = None
    to_phase: int
    at: datetime = Field(sa_column=_ts())
    by_betrokkene_id: str | None = Field(default=None, max_length=36)
    reason: str | None = Field(default=None, max_length=2000)


class BetrokkeneRow(SQLModel, table=True):
    """A person involved with one household."""

    __tablename__ = "betrokkene"
    id: str = Field(primary_key=True, max_length=36)
    household_id: str = Field(foreign_key="household.id", index=True, max_length=36)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=20)
    role: str = Field(max_length=30)
    relation: str = Field(default="", max_length=200)
    organisation: str = Field(default="", max_length=200)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=40)
    reachable_days: str = Field(default="", max_length=40)
    birth_date: date | None = None
    created_at: datetime = Field(sa_column=_ts())
    removed_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    #: "plan" (encrypted plan when a usable key is pinned) or "meldingen" (content-free notices only); 0014
    mail_choice: str = Field(default="plan", max_length=20, sa_column_kwargs={"server_default": "plan"})


class SectionBlobRow(SQLModel, table=True):
    """One section's content, stored once per household and shared by every version that has it."""

    __tablename__ = "section_blob"
    household_id: str = Field(foreign_key="household.id", primary_key=True, max_length=36)
    hash: str = Field(primary_key=True, max_length=64)
    content: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))


class PlanVersionRow(SQLModel, table=True):
    """An immutable version of a household's plan: who, when, what changed, and which blobs."""

    __tablename__ = "plan_version"
    household_id: str = Field(foreign_key="household.id", primary_key=True, max_length=36)
    number: int = Field(primary_key=True)
    author_id: str | None = Field(default=None, max_length=36)
    created_at: datetime = Field(sa_column=_ts())
    summary: str = Field(max_length=1000)
    changed_sections: str = Field(max_length=200)
    section_hashes: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    base_version: int | None = None
    vastgesteld_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    vastgesteld_by: str | None = Field(default=None, max_length=36)
    vastgesteld_overleg: str | None = Field(default=None, max_length=200)


metadata = SQLModel.metadata

__all__ = ["BetrokkeneRow", "HouseholdRow", "PhaseChangeRow", "PlanVersionRow", "SectionBlobRow", "metadata"]
