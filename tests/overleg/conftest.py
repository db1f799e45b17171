"""Overleg tests: the invites as the mail outbox holds them (the clock is the root conftest's MovableClock)."""

from __future__ import annotations

import base64
import json

import pytest


@pytest.fixture
def outbox(services):
    """Read the overleg invites queued in the real mail outbox:
    [{id, recipient_id, method, ics, ics_clear, uninvited, agenda, dedupe_key}]
    (ics_clear: the cleartext one, or None)."""

    async def read(household_id: str) -> list[dict]:
        async with services.overleggen._uow() as uow:
            items = await uow.mail.list_outbox(household_id, None, 1000)
        found = []
        for item in sorted(items, key=lambda i: (i.created_at, i.id)):
            if item.kind.value != "invite":
                continue
            payload = json.loads(item.payload)
            found.append(
                {
                    "id": item.id,
                    "recipient_id": item.recipient_id,
                    "method": payload["method"],
                    "ics": base64.b64decode(payload["ics"]),
                    "ics_clear": base64.b64decode(payload["ics_clear"]) if payload.get("ics_clear") else None,
                    "uninvited": bool(payload.get("uninvited")),
                    "agenda": payload["agenda"],
                    "dedupe_key": item.dedupe_key,
                }
            )
        return found

    return read
