"""Reading version N and diffing cost the same number of queries at N = 1,000 as at N = 10."""

from __future__ import annotations

import json

from sqlalchemy import event

from eenplan.domain.access import Principal


async def test_query_count_does_not_grow_with_history(services, demo, settings):
    me = Principal(demo["regisseur"]["id"], demo["household"]["id"])
    hh = demo["household"]["id"]
    for i in range(60):
        await services.plan.change(me, hh, None, {"analyse": {"analyse": f"versie {i}"}})
    engines = [services.plan._uow.engine.sync_engine]
    raw = services.plan._reads._raw()  # SQLite's synchronous read connection, if any
    pg = services.plan._reads._pg  # PostgreSQL's asyncpg pool for the hot statements, if any
    statements: list[str] = []
    if pg is not None:  # asyncpg has no global hook: count each statement (or transaction) it is given
        for name in ("fetch", "fetch_sql", "transaction"):
            def counted(*args, _inner=getattr(pg, name), _name=name):
                statements.append(_name)
                return _inner(*args)
            setattr(pg, name, counted)

    def count(conn, cursor, statement, *args):
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

    early = await cost(lambda: services.plan.version(me, hh, 3))
    late = await cost(lambda: services.plan.version(me, hh, 61))
    assert early == late
    d_early = await cost(lambda: services.plan.diff(me, hh, 3, 4))
    d_late = await cost(lambda: services.plan.diff(me, hh, 60, 61))
    assert d_early == d_late
    snap = await services.plan.version(me, hh, 61)
    assert json.loads(snap.sections["analyse"])["analyse"] == "versie 58"
