"""The request metrics: a client that invents HTTP methods gets one "other" series, and the middleware's
cache of series does not grow with every new method (memory stays bounded under such a flood)."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from eenplan.web import metrics

#: methods the HTTP parser accepts that eenplan never uses (with the pure-Python parser any token passes)
UNUSUAL = ("PURGE", "PROPFIND", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "SEARCH", "REPORT", "MERGE", "LINK")


def _cache_of(count: object) -> dict:
    cells = [c.cell_contents for c in getattr(count, "__closure__", None) or () if isinstance(c.cell_contents, dict)]
    assert len(cells) == 1
    return cells[0]


async def test_invented_methods_share_one_cached_series() -> None:
    async def hello(_request: web.Request) -> web.Response:
        return web.Response(text="ok")

    count = metrics.middleware()
    app = web.Application(middlewares=[count])
    app.router.add_route("*", "/hello", hello)
    async with TestClient(TestServer(app)) as client:
        for invented in UNUSUAL:
            response = await client.request(invented, "/hello")
            assert response.status == 200
        await client.get("/hello")
    assert len(_cache_of(count)) == 2  # ("other", 2xx) and ("GET", 2xx)
