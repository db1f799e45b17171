"""The event loop's SQLite connection can only read and append to the access log: the hot path's
remembered answers rely on every access-relevant commit coming from another connection."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest

from eenplan.domain.audit import AccessEvent, Channel, Event
from eenplan.storage.loop_db import LoopConnection

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _path(settings) -> str:
    return settings.effective_database_url.split("///", 1)[1]


def test_it_offers_reading_and_appending_only(settings):
    db = LoopConnection(_path(settings))
    try:
        public = {name for name in dir(db) if not name.startswith("_")}
        assert public == {"read", "data_version", "append_log", "close", "generation", "health", "path"}
        for statement in (
            "UPDATE betrokkene SET role = 'procesregisseur'",
            "DELETE FROM consent",
            "INSERT INTO consent (id) VALUES ('x')",
            "PRAGMA user_version = 7",
            " SELECT 1; DELETE FROM consent",
        ):
            with pytest.raises(ValueError):
                db.read(statement)
        with pytest.raises(sqlite3.ProgrammingError):  # one statement at a time: no write behind a SELECT
            db.read("SELECT 1; DELETE FROM consent")
        assert db.read("SELECT count(*) FROM household") == [(0,)]
    finally:
        db.close()


def test_append_log_extends_the_chain_from_its_head(settings):
    db = LoopConnection(_path(settings))
    hh = "hh-loop"
    event = AccessEvent(Event.READ, hh, "actor", ("analyse",), Channel.API, "klant", datetime.now(UTC))
    try:
        db.append_log([event, event])
        db.append_log([event])
        assert db.read("SELECT seq FROM access_log WHERE household_id = ? ORDER BY seq", (hh,)) == [(1,), (2,), (3,)]
        assert db.read("SELECT seq FROM access_log_head WHERE household_id = ?", (hh,)) == [(3,)]
    finally:
        db.close()


def test_a_batch_larger_than_one_insert_statement_is_one_unbroken_chain(settings):
    """A batch is inserted a statement of ROWS_PER_INSERT rows at a time: every row lands, in order, and each
    hash covers its predecessor, across the statements and across two households."""
    from eenplan.domain.audit import GENESIS, chain_hash
    from eenplan.storage.loop_db import ROWS_PER_INSERT

    db = LoopConnection(_path(settings))
    count = 2 * ROWS_PER_INSERT + 3
    events = [
        AccessEvent(Event.READ, hh, f"actor-{i}", ("analyse",), Channel.API, "klant", datetime.now(UTC), detail=str(i))
        for i in range(count)
        for hh in ("hh-a", "hh-b")
    ]
    try:
        db.append_log(events)
        for hh in ("hh-a", "hh-b"):
            rows = db.read(
                "SELECT seq, detail, prev_hash, hash FROM access_log WHERE household_id = ? ORDER BY seq", (hh,)
            )
            assert [(seq, detail) for seq, detail, _, _ in rows] == [(i + 1, str(i)) for i in range(count)]
            previous = GENESIS
            for (seq, _, prev, digest), event in zip(rows, [e for e in events if e.household_id == hh], strict=True):
                assert prev == previous and digest == chain_hash(prev, seq, event.canonical())
                previous = digest
    finally:
        db.close()
