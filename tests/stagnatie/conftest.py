"""Stagnatie fixtures: a frozen clock the test moves, mail on (real aiosmtpd, real gpg), an aanspreekpunt key."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from eenplan.bootstrap import build_services
from eenplan.config import Settings
from eenplan.web.app import create_app
from eenplan_crypto.testing import create_keys, make_home, remove_home

sys.path.insert(0, str(Path(__file__).parent.parent / "outbox"))
from outbox_helpers import Peer, free_port  # noqa: E402

SECRET = "test-secret-key-that-is-long-enough-0123456789"
AP_EMAIL = "a.punt@maastricht.example"


class FrozenClock:
    """A clock standing still until the test moves it (deadlines are computed from its date)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def to(self, year: int, month: int, day: int) -> None:
        """Jump to 10:00 Amsterdam summer time (08:00 UTC) on a day."""
        self.now = datetime(year, month, day, 8, 0, tzinfo=timezone.utc)

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> FrozenClock:
    """Tuesday 21 April 2026, before Koningsdag (Monday 27 April)."""
    return FrozenClock(datetime(2026, 4, 21, 8, 0, tzinfo=timezone.utc))


@pytest.fixture
def smtp_peer():
    peer = Peer()
    port = free_port()
    controller = Controller(peer, hostname="127.0.0.1", port=port, data_size_limit=20_000_000)
    controller.start()
    yield f"smtp://127.0.0.1:{port}", peer
    controller.stop()


@pytest.fixture
def server_gnupg():
    home = make_home()
    yield home
    remove_home(home)


@pytest.fixture
def settings(tmp_path, database_url, smtp_peer, server_gnupg) -> Settings:
    return Settings(data_dir=tmp_path / "var", database_url=database_url, secret_key=SECRET,
                    smtp_url=smtp_peer[0], gnupg_home=str(server_gnupg), public_url="https://plan.example.org",
                    mail_domain="eenplan.example", outbox_backoff_seconds=1)


@pytest.fixture(scope="session")
def ap_key():
    """The gemeentelijk aanspreekpunt's own key pair, in its own GNUPGHOME."""
    keys = create_keys({"ap": ("good", f"Anna Punt <{AP_EMAIL}>")})
    yield keys["ap"]
    keys["ap"].cleanup()


@pytest.fixture
async def services(settings, clock):
    svc = build_services(settings, clock=clock)
    yield svc
    await svc.close()


@pytest.fixture
async def client(aiohttp_client, services, settings):
    return await aiohttp_client(create_app(services, max_body_bytes=settings.max_body_bytes))
