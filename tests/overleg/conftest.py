"""Overleg tests: the real services on a controllable clock, and the invites as the mail outbox holds them."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone

import pytest

from eenplan.bootstrap import build_services


class FakeClock:
    """A clock the test moves forward (to hold an overleg after it started)."""

    def __init__(self) -> None:
        self.now = datetime.now(timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def services(settings, clock):
    """The wired services (as in tests/conftest.py) on the test's clock."""
    svc = build_services(settings, clock=clock)
    yield svc
    await svc.close()


@pytest.fixture
def outbox(services):
    """Read the overleg invites queued in the real mail outbox: [{recipient_id, method, ics, agenda, dedupe_key}]."""

    async def read(household_id: str) -> list[dict]:
        async with services.overleggen._uow() as uow:
            items = await uow.mail.list_outbox(household_id, None, 1000)
        found = []
        for item in sorted(items, key=lambda i: (i.created_at, i.id)):
            if item.kind.value != "invite":
                continue
            payload = json.loads(item.payload)
            found.append({"recipient_id": item.recipient_id, "method": payload["method"],
                          "ics": base64.b64decode(payload["ics"]), "agenda": payload["agenda"],
                          "dedupe_key": item.dedupe_key})
        return found

    return read
