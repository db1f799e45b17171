"""The hot read measured with wrk: bare aiohttp vs eenplan's `GET /api/households/{id}/plan`, one process.

One server process runs both on the same event loop (two sites, two ports): a bare aiohttp handler returning
the very bytes eenplan answers, and eenplan's authenticated (bearer JWT, revocation list), scoped (the one
policy), logged (the read durably in the NEN 7513 access log before the answer) plan read. `wrk -t1` (C, one
thread) loads one side at a time in interleaved pairs (bare, eenplan, bare, eenplan …); the median pair's
ratio is reported, with the server's CPU per request (its process CPU time, and its WAL sync helper's, over
the requests of the run), the event loop's own thread's share of it and how busy that thread was (below 100 %
it waited: for the access log's sync at its batch, or the database), and wrk's own CPU share, so a saturated
load generator shows. On SQLite and on
PostgreSQL (a throwaway cluster from the system binaries, as bench/pg.py; its server processes' CPU per
request is shown separately: it shares the machine).

Run alone (`python bench/wrk.py`, or `BENCH_WRK_DB=sqlite|pg`) or from bench/run.py (`main`). The server
side is `python bench/wrk.py serve <port> <bare_port> <body_file>` with the settings in its environment.
Environment: BENCH_WRK_PAIRS (5), BENCH_WRK_SECONDS (3), BENCH_WRK_CONNECTIONS ("16,64").
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any, NamedTuple

HERE = Path(__file__).parent
PY = sys.executable
PAIRS = int(os.environ.get("BENCH_WRK_PAIRS", "5"))
SECONDS = int(os.environ.get("BENCH_WRK_SECONDS", "3"))
CONNECTIONS = [int(c) for c in os.environ.get("BENCH_WRK_CONNECTIONS", "16,64").split(",")]
TICKS = os.sysconf("SC_CLK_TCK")
#: the bench server's bare site answers the access log's batch figures here
BATCHES_PATH = "/_bench/batches"


class Run(NamedTuple):
    """One wrk run: requests/s, requests, server CPU seconds (all its processes and threads, and the event loop's
    own thread alone), database server CPU seconds, wrk's CPU share."""

    rps: float
    requests: int
    server_cpu: float
    loop_cpu: float
    db_cpu: float
    wrk_share: float
    #: (batches, entries, seconds) the access log's group commit made durable during the run (eenplan's runs)
    batches: tuple[float, float, float] | None = None

    def loop_busy(self) -> float:
        """The share of the run's time the event loop's thread was on a CPU: below 1 it waited (for the access
        log's sync, the database, or the client), so its requests/s are not its CPU's limit."""
        return self.loop_cpu * self.rps / self.requests


def serve(port: int, bare_port: int, body_file: str) -> None:
    """The server side: eenplan and the bare handler on one event loop, until terminated."""
    from aiohttp import web

    from eenplan.bootstrap import create_app
    from eenplan.cli import new_loop
    from eenplan.config import Settings
    from eenplan.gc_tuning import settle_after_start

    body: list[bytes] = []

    async def bare(_request: web.Request) -> web.Response:
        if not body:  # written by the bench after eenplan's first answer
            body.append(Path(body_file).read_bytes())
        return web.Response(body=body[0], content_type="application/json", charset=None, headers={"ETag": '"3"'})

    async def batches(_request: web.Request) -> web.Response:
        """The access log's group-commit figures so far (its metrics, read in this process): the bench's only."""
        from eenplan.storage.audit_writer import BATCH_ENTRIES, BATCH_SECONDS

        def total(histogram: Any, suffix: str) -> float:
            return next(s.value for m in histogram.collect() for s in m.samples if s.name.endswith(suffix))

        figures = [total(BATCH_ENTRIES, "_count"), total(BATCH_ENTRIES, "_sum"), total(BATCH_SECONDS, "_sum")]
        return web.json_response(figures)

    async def main() -> None:
        bare_app = web.Application()
        bare_app.router.add_get(BATCHES_PATH, batches)
        bare_app.router.add_get("/{tail:.*}", bare)
        runners = [web.AppRunner(create_app(Settings.from_env()), access_log=None), web.AppRunner(bare_app)]
        for runner, at in zip(runners, (port, bare_port), strict=True):
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", at).start()
        settle_after_start()  # as `eenplan serve` does at its start-up (both sides share the process)
        print("serving", flush=True)
        try:
            await asyncio.Event().wait()
        finally:
            for runner in runners:
                await runner.cleanup()

    loop = new_loop()
    with contextlib.suppress(KeyboardInterrupt):
        loop.run_until_complete(main())


def _cpu(pids: list[int]) -> float:
    """CPU seconds (user + system) of these processes and their living children, now."""
    total = 0.0
    seen: set[int] = set()
    todo = list(pids)
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / TICKS
            for task in Path(f"/proc/{pid}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def _thread_cpu(pid: int) -> float:
    """CPU seconds of a process's main thread (the server's event loop), now."""
    fields = Path(f"/proc/{pid}/task/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def wrk(
    url: str, connections: int, token: str | None, pids: list[int], db_pids: list[int], batches_url: str | None = None
) -> Run:
    """One `wrk -t1` run; any non-2xx answer fails the bench. `batches_url`: where the access log's batch
    figures are read before and after (eenplan's runs)."""
    header = ["-H", f"Authorization: Bearer {token}"] if token else []
    batches_before = json.loads(_wait(batches_url)) if batches_url else None
    before, db_before, loop_before = _cpu(pids), _cpu(db_pids), _thread_cpu(pids[0])
    usage, start = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{SECONDS}s", *header, url], capture_output=True, text=True, check=True
    ).stdout
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_cpu, db_cpu, loop_cpu = _cpu(pids) - before, _cpu(db_pids) - db_before, _thread_cpu(pids[0]) - loop_before
    if "Non-2xx" in out or "Socket errors" in out:
        raise SystemExit(f"wrk saw failures on {url}:\n{out}")
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    wrk_cpu = (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime)
    batches = None
    if batches_url and batches_before is not None:
        now = json.loads(_wait(batches_url))
        batches = (now[0] - batches_before[0], now[1] - batches_before[1], now[2] - batches_before[2])
    return Run(rps, requests, server_cpu, loop_cpu, db_cpu, wrk_cpu / wall, batches)


def disk_flush(directory: str, rounds: int = 200) -> tuple[float, float]:
    """(median, 90th percentile) seconds of one fdatasync after a 24 KiB write in `directory`, overwriting a
    file already on disk as a reused WAL is: what every access-log batch waits for before its reads answer."""
    path = Path(directory) / "bench-flush.tmp"
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        block = os.urandom(24 * 1024)
        os.pwrite(fd, block * 64, 0)
        os.fsync(fd)
        times = []
        for i in range(rounds):
            os.pwrite(fd, block, (i % 64) * len(block))
            start = time.perf_counter()
            os.fdatasync(fd)
            times.append(time.perf_counter() - start)
    finally:
        os.close(fd)
        path.unlink()
    times.sort()
    return times[len(times) // 2], times[len(times) * 9 // 10]


def _wait(url: str, token: str | None = None, timeout: float = 30) -> bytes:
    deadline = time.time() + timeout
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    while True:
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=2) as resp:
                return resp.read()
        except Exception:
            if time.time() > deadline:
                raise
            time.sleep(0.1)


def compare(env: dict[str, str], label: str, db_pids: list[int]) -> list[str]:
    """Seed the demo, serve it with the bare handler, and the lines to print (median of interleaved pairs)."""
    sys.path.insert(0, str(HERE))
    import run as bench

    from eenplan.config import Settings

    demo = asyncio.run(bench.seed(Settings.from_env(env), 3))
    hh, token = demo["household"]["id"], demo["token"]
    port, bare_port = bench.free_port(), bench.free_port()
    body_file = Path(env["EENPLAN_DATA_DIR"]) / "wrk-body.json"
    server = subprocess.Popen(
        [PY, str(HERE / "wrk.py"), "serve", str(port), str(bare_port), str(body_file)],
        env={**env, "EENPLAN_WORKER_IN_SERVE": "false"},
        stdout=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/api/households/{hh}/plan"
        body_file.write_bytes(_wait(url, token))
        bare_url = f"http://127.0.0.1:{bare_port}/plan"
        if _wait(bare_url) != body_file.read_bytes():
            raise SystemExit("the bare handler does not answer eenplan's bytes")
        batches_url = f"http://127.0.0.1:{bare_port}{BATCHES_PATH}"
        flush, flush_p90 = disk_flush(env["EENPLAN_DATA_DIR"])
        lines = [
            f"GET plan with wrk -t1 on {label} ({body_file.stat().st_size} bytes; bare aiohttp and eenplan in one "
            f"process and event loop; median of {PAIRS} interleaved pairs of {SECONDS} s; load average "
            f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}):",
            f"  this disk's flush (fdatasync after a 24 KiB write, as the WAL's): median {flush * 1e3:.2f} ms, "
            f"90th percentile {flush_p90 * 1e3:.2f} ms; every access-log batch waits for one before its reads answer",
        ]
        for connections in CONNECTIONS:
            wrk(url, connections, token, [server.pid], db_pids)  # warm up
            pairs = []
            for _ in range(PAIRS):
                base = wrk(bare_url, connections, None, [server.pid], db_pids)
                pairs.append((wrk(url, connections, token, [server.pid], db_pids, batches_url), base))
            ratios = [p[0].rps / p[1].rps for p in pairs]
            ours, base = sorted(pairs, key=lambda p: p[0].rps / p[1].rps)[len(pairs) // 2]
            db = f", database {ours.db_cpu / ours.requests * 1e6:4.0f} µs" if db_pids else ""
            bare_cpu, our_cpu = base.server_cpu / base.requests * 1e6, ours.server_cpu / ours.requests * 1e6
            our_loop = ours.loop_cpu / ours.requests * 1e6
            lines.append(
                f"  -c{connections:<3d} bare {base.rps:7.0f} req/s ({bare_cpu:4.0f} µs CPU), "
                f"eenplan {ours.rps:7.0f} req/s ({our_cpu:4.0f} µs CPU, {our_loop:4.0f} µs of it on the event loop, "
                f"which was busy {ours.loop_busy():.0%} / bare {base.loop_busy():.0%} of the time{db}), "
                f"ratio {ours.rps / base.rps:4.2f} (range {min(ratios):.2f}–{max(ratios):.2f}; target ≥ 0.5); "
                f"wrk CPU {base.wrk_share:.0%}/{ours.wrk_share:.0%} of a core"
            )
            if ours.batches and ours.batches[0]:
                count, entries, seconds = ours.batches
                lines.append(
                    f"        access log: {count / SECONDS:.0f} batches/s of {entries / count:.1f} reads on average, "
                    f"each durable {seconds / count * 1e3:.2f} ms after it was taken (insert and sync)"
                )
        lines.append(f"  load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        return lines
    finally:
        server.terminate()
        server.wait()


def _postmaster(cluster: Any) -> list[int]:
    return [int((cluster.base / "data" / "postmaster.pid").read_text().split()[0])]


def main() -> None:
    """SQLite, then PostgreSQL (skipped when its binaries are missing)."""
    databases = os.environ.get("BENCH_WRK_DB", "sqlite,pg").split(",")
    base_env = {
        **os.environ,
        "EENPLAN_SECRET_KEY": "b" * 48,
        "EENPLAN_KEY_ENCRYPTION_KEY": "YmVuY2gta2V5LWVuY3J5cHRpb24ta2V5LTMyLWJ5dGU=",  # PostgreSQL nodes need one
        "EENPLAN_LOG_LEVEL": "WARNING",
    }
    if "sqlite" in databases:
        with tempfile.TemporaryDirectory(prefix="eenplan-bench-wrk-") as tmp:
            for line in compare({**base_env, "EENPLAN_DATA_DIR": tmp}, "SQLite", []):
                print(line, flush=True)
    if "pg" in databases:
        sys.path.insert(0, str(HERE.parent / "tests"))
        from support import postgres

        if not postgres.available():
            print(f"PostgreSQL binaries missing in {postgres.PG_BIN}: skipped")
            return
        cluster = postgres.Cluster().start()
        try:
            with tempfile.TemporaryDirectory(prefix="eenplan-bench-wrk-pg-") as tmp:
                env = {**base_env, "EENPLAN_DATA_DIR": tmp, "EENPLAN_DATABASE_URL": cluster.create_database()}
                for line in compare(env, "PostgreSQL 15", _postmaster(cluster)):
                    print(line, flush=True)
        finally:
            cluster.stop()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        serve(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    else:
        main()
