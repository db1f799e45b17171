"""Fixtures for access tests: an app whose clock the test can move."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from eenplan.bootstrap import build_services
from eenplan.web.app import create_app


class MovableClock:
    """A clock the test sets and advances."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(datetime.now(timezone.utc).replace(microsecond=0))


@pytest.fixture
async def services(settings, clock):
    svc = build_services(settings, clock=clock)
    yield svc
    await svc.close()


@pytest.fixture
async def client(aiohttp_client, services, settings):
    return await aiohttp_client(create_app(services, max_body_bytes=settings.max_body_bytes))
