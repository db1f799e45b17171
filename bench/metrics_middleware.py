"""What the request-metrics middleware (web/metrics.py) costs per request: CPU µs of the middleware around a
handler that returns at once, against the same handler called directly (process CPU time, so other load on
the machine does not count). The hot read costs ~100-150 µs of server CPU; the middleware should be a few µs.

Run: `python bench/metrics_middleware.py` (env BENCH_METRICS_CALLS, default 200000).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time

from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from aiohttp.web_urldispatcher import UrlMappingMatchInfo

from eenplan.web.metrics import middleware

CALLS = int(os.environ.get("BENCH_METRICS_CALLS", "200000"))


async def main() -> None:
    response = web.Response(body=b"{}")

    async def handler(_request: web.Request) -> web.Response:
        return response

    app = web.Application()
    route = app.router.add_get("/api/households/{id}/plan", handler)
    request = make_mocked_request("GET", "/api/households/4f1c/plan", app=app)
    request._match_info = UrlMappingMatchInfo({"id": "4f1c"}, route)  # as the router would set it
    count = middleware()

    async def direct() -> None:
        for _ in range(CALLS):
            await handler(request)

    async def counted() -> None:
        for _ in range(CALLS):
            await count(request, handler)

    rounds: list[float] = []
    for _ in range(5):  # interleaved; the median round is reported
        t0 = time.process_time()
        await direct()
        t1 = time.process_time()
        await counted()
        t2 = time.process_time()
        rounds.append(((t2 - t1) - (t1 - t0)) / CALLS * 1e6)
    print(f"metrics middleware: {statistics.median(rounds):.2f} µs CPU per request (median of 5; {CALLS} calls each)")


if __name__ == "__main__":
    asyncio.run(main())
