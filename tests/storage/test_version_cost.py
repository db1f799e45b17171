"""Reading version N and diffing cost the same number of queries at N = 1,000 as at N = 10."""

from __future__ import annotations

import json

from sqlalchemy import event

from eenplan.domain.access import Principal
from eenplan.domain.versions import VersionInfo
from eenplan.services.plan_content import blob_hash, canonical_json

N = 1_000


async def bulk_versions(services, household_id: str, author_id: str, upto: int) -> None:
    """Versions current+1 … upto, each changing the analyse, stored through the repository in one transaction
    (the API path costs ~25 ms a version; the rows are the same)."""
    async with services.plan._uow(write=True) as uow:
        current = (await uow.households.get(household_id, lock=True)).current_version
        _, hashes = await uow.plans.version(household_id, current)
        texts = {n: canonical_json({"analyse": f"versie {n - 3}"}) for n in range(current + 1, upto + 1)}
        await uow.plans.add_blobs(household_id, {blob_hash(t): t for t in texts.values()})
        for n, text in texts.items():
            hashes = {**hashes, "analyse": blob_hash(text)}
            info = VersionInfo(
                number=n,
                author_id=author_id,
                created_at=services.plan._clock(),
                summary="analyse gewijzigd",
                changed_sections=("analyse",),
                base_version=n - 1,
            )
            await uow.plans.add_version(household_id, info, hashes)
        assert await uow.households.advance_version(household_id, current, upto)
        await uow.commit()


def _wake_up(args: tuple) -> bool:
    """The outbox's NOTIFY (sent in the background after an earlier change queued mail) is no read: not counted."""
    return bool(args) and isinstance(args[0], str) and args[0].lstrip().upper().startswith("NOTIFY")


async def test_query_count_does_not_grow_with_history(services, demo, settings):
    me = Principal(demo["regisseur"]["id"], demo["household"]["id"])
    hh = demo["household"]["id"]
    for i in range(8):  # versions 3 … 10 through the API
        await services.plan.change(me, hh, None, {"analyse": {"analyse": f"versie {i}"}})
    await bulk_versions(services, hh, me.betrokkene_id, N - 1)
    snap, created = await services.plan.change(me, hh, None, {"analyse": {"analyse": "versie 997"}})
    assert created and snap.info.number == N  # the API writes on top of the bulk history
    engines = [services.plan._uow.engine.sync_engine]
    raw = services.plan._reads._raw()  # SQLite's synchronous read connection, if any
    pg = services.plan._reads._pg  # PostgreSQL's asyncpg pool for the hot statements, if any
    statements: list[str] = []
    if pg is not None:  # asyncpg has no global hook: count each statement (or transaction) it is given

        def counting(name: str):
            inner = getattr(pg, name)

            def counted(*args):
                if not _wake_up(args[:1]):
                    statements.append(name)
                return inner(*args)

            return counted

        for name in ("fetch", "fetch_sql", "transaction"):
            setattr(pg, name, counting(name))

    def count(conn, cursor, statement, *args):
        if not _wake_up((statement,)):
            statements.append(statement)

    async def cost(call) -> int:
        services.plan._cache = type(services.plan._cache)()  # cold caches: count real reads
        services.plan._reads.forget()
        statements.clear()
        for engine in engines:
            event.listen(engine, "before_cursor_execute", count)
        if raw is not None:
            raw.set_trace_callback(statements.append)
        try:
            await call()
        finally:
            for engine in engines:
                event.remove(engine, "before_cursor_execute", count)
            if raw is not None:
                raw.set_trace_callback(None)
        assert statements, "no statements counted: the read path moved"
        return len(statements)

    early = await cost(lambda: services.plan.version(me, hh, 10))
    late = await cost(lambda: services.plan.version(me, hh, N))
    assert early == late
    d_early = await cost(lambda: services.plan.diff(me, hh, 9, 10))
    d_late = await cost(lambda: services.plan.diff(me, hh, N - 1, N))
    assert d_early == d_late
    assert (await services.plan.current(me, hh)).info.number == N
    for number in (10, 500, N):
        snap = await services.plan.version(me, hh, number)
        assert json.loads(snap.sections["analyse"])["analyse"] == f"versie {number - 3}"
