"""Tables for the keys every node needs (issue 15): households' signing keys and pinned public keys.

A node's GnuPG home is a cache of these rows. The secret key is stored only sealed (AES-256-GCM under the
key-encryption key named by `kek_id`, bound to the household code and fingerprint); never in the clear.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .tables_base import _ts


class HouseholdKeyRow(SQLModel, table=True):
    """One household's signing key (uid plan-<code>@MAIL_DOMAIN): public armored, secret sealed."""

    __tablename__ = "household_key"
    household_code: str = Field(primary_key=True, max_length=32)
    fingerprint: str = Field(max_length=40)
    public_armored: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    sealed_secret: bytes = Field(sa_column=sa.Column(sa.LargeBinary(), nullable=False))
    kek_id: str = Field(max_length=16)
    created_at: datetime = Field(sa_column=_ts())


class PublicKeyRow(SQLModel, table=True):
    """The armored public key of a pinned fingerprint (a betrokkene's, an aanspreekpunt's), so every node can
    encrypt to a key pinned through another one."""

    __tablename__ = "public_key"
    fingerprint: str = Field(primary_key=True, max_length=40)
    armored: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    stored_at: datetime = Field(sa_column=_ts())
