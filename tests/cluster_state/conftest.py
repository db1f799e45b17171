"""Two service sets on one database: two bootstraps, as two nodes of a cluster would be (issue 15).

`node_b` is a second `build_services` on the very database and settings of `services` (node A), with its own
engine, caches and in-process state; whatever both must agree on has to go through the database.
"""

from __future__ import annotations

import dataclasses

import pytest

from eenplan.bootstrap import build_services


@pytest.fixture
def settings(settings):
    """The shared state on, on SQLite too (it is the default only with PostgreSQL), unless a test says off."""
    return dataclasses.replace(settings, shared_state="on")


@pytest.fixture
async def node_b(settings, clock):
    """A second node: its own services on the same database."""
    other = build_services(settings, clock=clock)
    yield other
    await other.close()
