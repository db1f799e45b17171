"""Tables for stagnatie: escalation cases and their steps, the gemeentelijk aanspreekpunten, the
escalation grants the access policy reads, the klant's exclusions, deadline reminders and safety signals.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .tables_base import _ts


class AanspreekpuntRow(SQLModel, table=True):
    """The gemeentelijk aanspreekpunt of one gemeente (kept by the operator), with its pinned key."""

    __tablename__ = "aanspreekpunt"
    gemeente_key: str = Field(primary_key=True, max_length=100)
    gemeente: str = Field(max_length=100)
    name: str = Field(max_length=200)
    email: str = Field(max_length=254)
    fingerprint: str = Field(max_length=40)
    algorithm: str = Field(max_length=40)
    expires_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    created_at: datetime = Field(sa_column=_ts())


class StagnatieCaseRow(SQLModel, table=True):
    """A stagnation case: the agreement not kept and where the ladder stands."""

    __tablename__ = "stagnatie_case"
    id: str = Field(primary_key=True, max_length=36)
    household_id: str = Field(foreign_key="household.id", index=True, max_length=36)
    doel_id: str = Field(max_length=64)
    actie_id: str | None = Field(default=None, max_length=64)
    betrokkene_id: str | None = Field(default=None, max_length=36)
    organisatie: str = Field(default="", max_length=200)
    toelichting: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    step: int
    status: str = Field(max_length=20)
    opened_by: str = Field(max_length=36)
    opened_at: datetime = Field(sa_column=_ts())
    opened_on: date
    solved_on: date | None = None
    solved_step: int | None = None
    aanspreekpunt_id: str | None = Field(default=None, max_length=36)
    afgeschaald_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class StagnatieStepRow(SQLModel, table=True):
    """One step of a case: when it started and ended, and the outcomes it recorded."""

    __tablename__ = "stagnatie_step"
    case_id: str = Field(foreign_key="stagnatie_case.id", primary_key=True, max_length=36)
    step: int = Field(primary_key=True)
    started_on: date
    started_by: str = Field(max_length=36)
    ended_on: date | None = None
    ended_by: str | None = Field(default=None, max_length=20)
    intern_plan_on: date | None = None
    gesprek_on: date | None = None
    acties: str | None = Field(default=None, sa_column=sa.Column(sa.Text(), nullable=True))
    resultaat: str | None = Field(default=None, sa_column=sa.Column(sa.Text(), nullable=True))
    termijn: date | None = None
    acties_on: date | None = None
    commitment_on: date | None = None
    afspraken: str | None = Field(default=None, sa_column=sa.Column(sa.Text(), nullable=True))
    plan_version: int | None = None


class StagnatieReminderRow(SQLModel, table=True):
    """That the overdue notice for one deadline (as due on one day) was queued: notify once."""

    __tablename__ = "stagnatie_reminder"
    case_id: str = Field(foreign_key="stagnatie_case.id", primary_key=True, max_length=36)
    step: int = Field(primary_key=True)
    deadline: str = Field(primary_key=True, max_length=20)
    due: date = Field(primary_key=True)
    notified_at: datetime = Field(sa_column=_ts())


class EscalatieGrantRow(SQLModel, table=True):
    """The aanspreekpunt's access on escalation (ground escalatie:<case id>); ended at afschalen."""

    __tablename__ = "escalatie_grant"
    id: str = Field(primary_key=True, max_length=36)
    household_id: str = Field(foreign_key="household.id", index=True, max_length=36)
    grantee_id: str = Field(foreign_key="betrokkene.id", index=True, max_length=36)
    sections: str = Field(max_length=200)
    until: date | None = None
    created_at: datetime = Field(sa_column=_ts())
    ended_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class AanspreekpuntUitsluitingRow(SQLModel, table=True):
    """Sections one klant explicitly keeps from the gemeentelijk aanspreekpunt (the union of all klanten applies)."""

    __tablename__ = "aanspreekpunt_uitsluiting"
    household_id: str = Field(foreign_key="household.id", primary_key=True, max_length=36)
    set_by: str = Field(primary_key=True, max_length=36)  # the klant whose list this is
    sections: str = Field(max_length=200)
    set_at: datetime = Field(sa_column=_ts())


class VeiligheidSignaalRow(SQLModel, table=True):
    """A signal of onveiligheid or onvoldoende basiszorg, and how it was resolved."""

    __tablename__ = "veiligheid_signaal"
    id: str = Field(primary_key=True, max_length=36)
    household_id: str = Field(foreign_key="household.id", index=True, max_length=36)
    soort: str = Field(max_length=30)
    toelichting: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    phase: int
    raised_by: str = Field(max_length=36)
    raised_at: datetime = Field(sa_column=_ts())
    status: str = Field(max_length=12)
    resolved_by: str | None = Field(default=None, max_length=36)
    resolved_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    afwegingen: str | None = Field(default=None, sa_column=sa.Column(sa.Text(), nullable=True))
    besluit: str | None = Field(default=None, max_length=10)
