"""Stagnatie fixtures: a clock standing on 21 April 2026, mail on (real aiosmtpd, real gpg), an aanspreekpunt key."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from support.clock import MovableClock

from eenplan.config import Settings
from eenplan_crypto.testing import create_keys

AP_EMAIL = "a.punt@maastricht.example"


@pytest.fixture
def clock() -> MovableClock:
    """Tuesday 21 April 2026, before Koningsdag (Monday 27 April)."""
    return MovableClock(datetime(2026, 4, 21, 8, 0, tzinfo=UTC))


@pytest.fixture
def settings(mail_settings) -> Settings:
    """Mail on: the aiosmtpd peer and a short server keyring (tests/support/mail_fixtures.py)."""
    return mail_settings


@pytest.fixture(scope="session")
def ap_key():
    """The gemeentelijk aanspreekpunt's own key pair, in its own GNUPGHOME."""
    keys = create_keys({"ap": ("good", f"Anna Punt <{AP_EMAIL}>")})
    yield keys["ap"]
    keys["ap"].cleanup()
