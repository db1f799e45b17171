"""A page's session lookup runs on the hot path (no unit of work); when that path meets a lock it may not wait
for, the lookup is made again in a unit of work, whose connection waits: busy storage never signs anyone out
or answers 503, while storage that is really unavailable still does."""

from __future__ import annotations

import dataclasses

import pytest
from support.pagekit import sign_in

from eenplan.domain.errors import StorageUnavailable, TemporaryFailure
from eenplan.web.pages.cookies import session_token  # noqa: F401  (the cookie the pages read)


class Busy:
    """A hot-path reader that always meets a lock, or a broken disk."""

    def __init__(self, error: Exception) -> None:
        self.error = error
        self.calls = 0

    async def session(self, token_hash, household_id):
        self.calls += 1
        raise self.error


@pytest.fixture
def settings(settings):
    return dataclasses.replace(settings, second_factor="off")


async def test_a_busy_hot_path_falls_back_to_a_unit_of_work(client, services, demo, capsys):
    hid = demo["household"]["id"]
    await sign_in(client, capsys, "fatima@example.org")
    assert (await client.get(f"/huishoudens/{hid}/plan")).status == 200
    busy = Busy(TemporaryFailure("the database is busy"))
    services.sessions._lookup = busy
    resp = await client.get(f"/huishoudens/{hid}/plan")
    assert resp.status == 200 and busy.calls >= 1
    services.sessions._lookup = Busy(StorageUnavailable("storage is full"))
    assert (await client.get(f"/huishoudens/{hid}/plan")).status == 503
