"""Prometheus metrics of one node, served on a separate listener (EENPLAN_METRICS_URL), never on the public port.

Labels carry only bounded, impersonal values: the aiohttp resource's *template* (`/api/households/{household_id}/plan`,
never the concrete path; "unmatched" when no route matched), the method (known methods, else "other"), the status
class ("2xx" …), an outbox kind from the fixed `OutboxKind` list and an inbound outcome class. No id, code, address
or name ever becomes a label value.

Process-wide figures (requests, access-log batches in `storage.audit_writer`, gpg calls in `eenplan_crypto.gpghome`,
inbound outcomes) live in prometheus_client's default registry; the database's figures (outbox depth and oldest age
by kind, dead letters, disabled and bouncing addresses) are read at scrape time by `storage.metrics_reads`, at most
once per `FIGURES_TTL` seconds however many scrapes come, so a scrape storm cannot load the database.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Middleware
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

log = logging.getLogger("eenplan.metrics")

#: seconds a database reading of the gauges is reused (a scrape storm costs one query set per period)
FIGURES_TTL = 5.0
UNMATCHED = "unmatched"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_CLASSES = ("1xx", "2xx", "3xx", "4xx", "5xx")
#: latency buckets for a hot read of a few hundred µs up to a slow page
_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

REQUESTS = Counter(
    "eenplan_http_requests",
    "HTTP requests answered, by route template, method and status class",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "eenplan_http_request_duration_seconds",
    "Time from request to answer, by route template and method",
    ["route", "method"],
    buckets=_BUCKETS,
)
INBOUND = Counter(
    "eenplan_inbound_deliveries",
    "Inbound mail per recipient, by outcome (accepted 2xx, refused 5xx, deferred 4xx, error)",
    ["outcome"],
)

#: one figure of the database: (metric name, kind label or "", value)
Figure = tuple[str, str, float]
FigureReader = Callable[[], Awaitable[list[Figure]]]
#: the database figures and their help texts (the names `storage.metrics_reads` answers)
FIGURE_HELP = {
    "eenplan_outbox_queued": "Outbox rows waiting to be sent, by kind",
    "eenplan_outbox_oldest_age_seconds": "Age of the oldest waiting outbox row, by kind",
    "eenplan_outbox_dead_letters": "Outbox rows given up (dead letters), by kind",
    "eenplan_addresses_disabled": "Addresses whose mail is stopped after bounces",
    "eenplan_addresses_bouncing": "Addresses with a bounce score that are not (yet) disabled",
}


def _route_of(request: web.Request) -> str:
    info = request.match_info
    if info.http_exception is not None:
        return UNMATCHED
    resource = info.route.resource
    return resource.canonical if resource is not None else UNMATCHED


def middleware() -> Middleware:
    """The request-metrics middleware (outermost, so it sees the final status); children are cached per label set,
    so a request costs a dict lookup, a counter increment and a histogram observation."""
    children: dict[tuple[str, str, int], tuple[Any, Any]] = {}
    clock = time.perf_counter

    @web.middleware
    async def count(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        started = clock()
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        finally:
            key = (_route_of(request), request.method, status // 100)
            pair = children.get(key)
            if pair is None:
                route, method, cls = key
                method = method if method in _METHODS else "other"
                status_class = _CLASSES[cls - 1] if 1 <= cls <= 5 else "other"
                pair = children[key] = (REQUESTS.labels(route, method, status_class), LATENCY.labels(route, method))
            pair[0].inc()
            pair[1].observe(clock() - started)

    return count


class DatabaseFigures(Collector):
    """The database's gauges, read at most once per `ttl` seconds (one reading shared by concurrent scrapes)."""

    def __init__(self, read: FigureReader, *, ttl: float = FIGURES_TTL, clock: Callable[[], float] = time.monotonic):
        self._read = read
        self._ttl = ttl
        self._clock = clock
        self._figures: list[Figure] = []
        self._read_at = float("-inf")
        self._ok = False
        self._lock = asyncio.Lock()
        self.readings = 0  # how often the database was asked (tests, and a sanity check of the cache)

    async def refresh(self) -> None:
        """Read the figures unless a reading younger than the TTL exists; a failure keeps nothing stale."""
        async with self._lock:
            if self._clock() - self._read_at < self._ttl:
                return
            self._read_at = self._clock()
            self.readings += 1
            try:
                self._figures, self._ok = await self._read(), True
            except Exception as exc:  # the scrape still answers; the gauges go missing and *_up says why
                log.warning("reading the database figures failed: %s", type(exc).__name__)
                self._figures, self._ok = [], False

    def collect(self) -> Iterable[GaugeMetricFamily]:
        """The last reading as gauge families (prometheus_client calls this while rendering)."""
        up = GaugeMetricFamily("eenplan_database_figures_up", "Whether the last reading of the database figures worked")
        up.add_metric([], 1.0 if self._ok else 0.0)
        yield up
        families: dict[str, GaugeMetricFamily] = {}
        for name, help_text in FIGURE_HELP.items():
            kinds = ["kind"] if name.startswith("eenplan_outbox_") else []
            families[name] = GaugeMetricFamily(name, help_text, labels=kinds)
        for name, kind, value in self._figures:
            family = families.get(name)
            if family is not None:
                family.add_metric([kind] if name.startswith("eenplan_outbox_") else [], value)
        yield from families.values()


def exposition_app(figures: DatabaseFigures | None) -> web.Application:
    """The metrics listener's app: `GET /metrics` (process figures plus, if given, the database's)."""
    own = CollectorRegistry(auto_describe=False)
    if figures is not None:
        own.register(figures)

    async def metrics(_request: web.Request) -> web.Response:
        if figures is not None:
            await figures.refresh()
        body = generate_latest(REGISTRY) + generate_latest(own)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application()
    app.router.add_get("/metrics", metrics)
    return app


class MetricsListener:
    """The metrics endpoint on its own host:port (an AppRunner on the caller's loop)."""

    def __init__(
        self,
        host: str,
        port: int,
        figures: DatabaseFigures | None,
        *,
        on_stop: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """Serve on host:port (0: a free port); `on_stop` releases what the figures read from (their engine)."""
        self._host, self._port = host, port
        self._runner = web.AppRunner(exposition_app(figures), access_log=None)
        self._on_stop = on_stop
        self.port = self._port

    async def start(self) -> None:
        """Bind and serve; `port` is the bound one (useful with port 0)."""
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        server = site._server  # the bound socket, for port 0
        sockets = getattr(server, "sockets", None) or []
        if sockets:
            self.port = sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop serving and release the figures' reader."""
        await self._runner.cleanup()
        if self._on_stop is not None:
            await self._on_stop()


def listener_context(listener: MetricsListener) -> Callable[[web.Application], AsyncIterator[None]]:
    """An aiohttp cleanup_ctx running the metrics listener beside the public app."""

    async def run(_app: web.Application) -> AsyncIterator[None]:
        await listener.start()
        yield
        await listener.stop()

    return run


def counted_delivery(
    deliver: Callable[[str, str, bytes], Awaitable[str]],
) -> Callable[[str, str, bytes], Awaitable[str]]:
    """Wrap the inbound receiver's per-recipient delivery to count its outcome by reply class (nothing else)."""
    outcomes = {"2": INBOUND.labels("accepted"), "4": INBOUND.labels("deferred"), "5": INBOUND.labels("refused")}
    error = INBOUND.labels("error")

    async def counted(sender: str, recipient: str, raw: bytes) -> str:
        try:
            reply = await deliver(sender, recipient, raw)
        except Exception:
            error.inc()
            raise
        outcomes.get(reply[:1], error).inc()
        return reply

    return counted
