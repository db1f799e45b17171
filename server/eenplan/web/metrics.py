"""Prometheus metrics of one node, served on a separate listener (EENPLAN_METRICS_URL), never on the public port.

Labels carry only bounded, impersonal values: the aiohttp resource's *template* (`/api/households/{household_id}/plan`,
never the concrete path; "unmatched" when no route matched), the method (known methods, else "other"), the status
class ("2xx" …), an outbox kind from the fixed `OutboxKind` list and an inbound outcome class. No id, code, address
or name ever becomes a label value.

Process-wide figures (requests, access-log batches in `storage.audit_writer`, gpg calls in `eenplan_crypto.gpghome`,
inbound outcomes, mail sent and failed and the SMTP relay in `web.mail_metrics`, the release in `eenplan_build_info`)
live in prometheus_client's default registry; the database's figures, which must be cluster-wide (outbox depth,
oldest age, retrying rows and dead letters by kind, disabled and bouncing addresses, each hourly job's last run) are
read at scrape time by `storage.metrics_reads`, at most once per `FIGURES_TTL` seconds however many scrapes come, so
a scrape storm cannot load the database.
"""

from __future__ import annotations

import asyncio
import logging
import time
from bisect import bisect_left
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from pathlib import Path

from aiohttp import web
from aiohttp.typedefs import Middleware
from aiohttp.web_urldispatcher import AbstractResource
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily
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


class RequestStats(Collector):
    """The request histogram, kept in plain lists on the event loop (no lock, no label lookup per request) and
    turned into a Prometheus histogram at scrape time: `eenplan_http_request_duration_seconds{route,method,status}`
    (its `_count` is the request rate by route template, method and status class)."""

    def __init__(self) -> None:
        self._series: dict[tuple[str, str, str], list[float]] = {}

    def series(self, route: str, method: str, status_class: str) -> list[float]:
        """The counters of one label set: one per bucket, one for +Inf, then the sum of seconds."""
        key = (route, method, status_class)
        found = self._series.get(key)
        if found is None:
            found = self._series[key] = [0.0] * (len(_BUCKETS) + 2)
        return found

    def collect(self) -> Iterable[HistogramMetricFamily]:
        """The histogram family (prometheus_client calls this while rendering)."""
        family = HistogramMetricFamily(
            "eenplan_http_request_duration_seconds",
            "Time from request to answer, by route template, method and status class",
            labels=["route", "method", "status"],
        )
        for labels, counts in list(self._series.items()):
            cumulative, buckets = 0.0, []
            for bound, count in zip((*_BUCKETS, float("inf")), counts, strict=False):
                cumulative += count
                buckets.append(("+Inf" if bound == float("inf") else repr(float(bound)), cumulative))
            family.add_metric(list(labels), buckets, counts[-1])
        yield family


REQUESTS = RequestStats()
REGISTRY.register(REQUESTS)
INBOUND = Counter(
    "eenplan_inbound_deliveries",
    "Inbound mail per recipient, by outcome (accepted 2xx, refused 5xx, deferred 4xx, error)",
    ["outcome"],
)

BUILD_INFO = Gauge("eenplan_build_info", "The running eenplan release (always 1)", ["version"])


def build_version(code: Path | None = None) -> str:
    """This installation's release, so that `eenplan_build_info` tells releases apart (the package version is the
    same in all of them): the name of the release directory the running code lives in
    (`/srv/eenplan-releases/<version>/…`, resolved: a process keeps its release across a switch of the symlink),
    else the git commit of a checkout, else the package version ("unknown" from a bare source tree)."""
    here = (code or Path(__file__)).resolve()
    for folder in here.parents:
        if folder.parent.name == RELEASES_DIR:
            return folder.name
    root = next((folder for folder in here.parents if (folder / "pyproject.toml").is_file()), None)
    commit = None if root is None else _git_commit(root / ".git")  # the source tree's own checkout only
    if commit is not None:
        return commit
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("eenplan")
    except PackageNotFoundError:
        return "unknown"


#: the directory holding one directory per release (deploy/UPGRADES.md, "Releases side by side")
RELEASES_DIR = "eenplan-releases"


def _git_commit(git: Path) -> str | None:
    """The commit a git checkout's HEAD names (12 hex digits), read from its files (no git process), or None."""
    try:
        head = (git / "HEAD").read_text().strip()
        if head.startswith("ref: "):
            ref = head[5:]
            loose = git / ref
            if loose.is_file():
                head = loose.read_text().strip()
            else:
                packed = (git / "packed-refs").read_text().splitlines()
                head = next(line.split()[0] for line in packed if line.endswith(f" {ref}"))
    except (OSError, StopIteration, UnicodeDecodeError):
        return None
    return head[:12] if len(head) >= 40 and all(c in "0123456789abcdef" for c in head) else None


BUILD_INFO.labels(build_version()).set(1)

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
    "eenplan_outbox_retrying": "Outbox rows waiting for a retry after a failed attempt, by kind",
    "eenplan_periodic_job_last_run_timestamp_seconds": (
        "When each hourly job last ran across the cluster without failing (Unix time; a failed run gives its hour back)"
    ),
}
#: the one label of a database figure (none for the others)
FIGURE_LABEL = {
    "eenplan_outbox_queued": "kind",
    "eenplan_outbox_oldest_age_seconds": "kind",
    "eenplan_outbox_dead_letters": "kind",
    "eenplan_outbox_retrying": "kind",
    "eenplan_periodic_job_last_run_timestamp_seconds": "job",
}


def middleware() -> Middleware:
    """The request-metrics middleware (outermost, so it sees the final status). Per request: two clock reads, a
    dict lookup by (resource, method, status class), a bisect and two list increments (bench/metrics_middleware.py)."""
    cached: dict[tuple[object, str, int], list[float]] = {}
    clock = time.perf_counter
    bounds = _BUCKETS

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
            elapsed = clock() - started
            info = request.match_info
            resource = None if info.http_exception is not None else info.route.resource
            method = request.method
            # keyed by the label, not the raw method: a client inventing methods must not grow this dict
            key = (resource, method if method in _METHODS else "other", status // 100)
            series = cached.get(key)
            if series is None:
                series = cached[key] = REQUESTS.series(*_labels(resource, method, status // 100))
            series[bisect_left(bounds, elapsed)] += 1
            series[-1] += elapsed

    return count


def _labels(resource: AbstractResource | None, method: str, cls: int) -> tuple[str, str, str]:
    route = resource.canonical if resource is not None else UNMATCHED
    return route, method if method in _METHODS else "other", _CLASSES[cls - 1] if 1 <= cls <= 5 else "other"


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
            label = FIGURE_LABEL.get(name)
            families[name] = GaugeMetricFamily(name, help_text, labels=[label] if label else [])
        for name, kind, value in self._figures:
            family = families.get(name)
            if family is not None:
                family.add_metric([kind] if name in FIGURE_LABEL else [], value)
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
