"""Tables for state every node shares (issue 15, migration 0021): attempt buckets and periodic-job claims.

A bucket's key is a keyed hash (HMAC with a key derived from the deployment's secret) of the limit's name
and what it counts (a client IP, an address, a link's hash): no address or IP is stored in the clear.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .tables_base import _ts


class RateBucketRow(SQLModel, table=True):
    """One token bucket: the attempts left at `at` (seconds since the epoch); refilled when next taken.
    UNLOGGED on PostgreSQL: after a crash the buckets start full, which only ever loosens a limit briefly."""

    __tablename__ = "rate_bucket"
    key: str = Field(primary_key=True, max_length=64)
    tokens: float = Field(sa_column=sa.Column(sa.Double(), nullable=False))
    at: float = Field(sa_column=sa.Column(sa.Double(), nullable=False))


class JobClaimRow(SQLModel, table=True):
    """A periodic job's run for one period (e.g. an hour), claimed by the one node that runs it."""

    __tablename__ = "job_claim"
    job: str = Field(primary_key=True, max_length=100)
    period: str = Field(primary_key=True, max_length=40)
    node: str = Field(max_length=100)
    claimed_at: datetime = Field(sa_column=_ts())
