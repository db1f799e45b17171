"""The cluster's hot read: `GET /api/households/{id}/plan` through nginx to 1 node and to 3 nodes, with wrk.

One cluster (tests/cluster/cluster_harness.py: a throwaway PostgreSQL, 3 `eenplan serve` nodes with their own
data dirs and keyrings, nginx in front) and two nginx front ends: one whose upstream is node 1 alone, one with all
three. `wrk -t1` loads them in interleaved pairs (1 node, 3 nodes, 1 node, …); the median pair is reported.

On this 2-core machine req/s cannot grow with nodes (the nodes, PostgreSQL, nginx and wrk share the cores); what
must hold is that the work per request does not grow: server CPU per request — the sum of the node processes' CPU
time over the run divided by the requests wrk counted — is printed for both, with PostgreSQL's and nginx's own CPU
per request beside it (they share the machine too).

What explains the figure is printed under it, per node: its share of the reads, its CPU per read it served, and
its access-log batches (reads per batch, ms per batch; from each node's metrics listener, exact). Every read costs
one autocommit statement (revocation check + member_access) and its share of one log commit per batch, and a
batch's cost is fixed (its transaction's round trips), so a node's CPU per read falls as its batches fill. A node's
batch holds the reads that arrived while its previous batch committed; with the same connections over 3 nodes each
node has a third of them in flight, so its batches are about a third as big — and the household's head row
(`access_log_head`, locked by each batch until its commit) makes the nodes' batches for one household commit one
after the other (the backends waiting for a lock, sampled every 10 ms). A third run, 1 node with a third of the
connections, is the same load per node without a second process: the part of the growth it shows is the batch
size, the rest is three processes (and their waits) sharing the cores. nginx keeps its upstream connections
(`keepalive`): the TIME_WAIT sockets towards the nodes after a run count any it had to open anew.
PostgreSQL's own transaction counter (pg_stat_database) is not used: backends report it up to seconds late.

Run alone (`python bench/cluster.py`) or from bench/run.py. Environment: BENCH_CLUSTER_PAIRS (3),
BENCH_CLUSTER_SECONDS (3), BENCH_CLUSTER_CONNECTIONS ("32").
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path
from typing import NamedTuple

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE.parent / "tests" / "cluster"))

PAIRS = int(os.environ.get("BENCH_CLUSTER_PAIRS", "3"))
SECONDS = int(os.environ.get("BENCH_CLUSTER_SECONDS", "3"))
CONNECTIONS = [int(c) for c in os.environ.get("BENCH_CLUSTER_CONNECTIONS", "32").split(",")]
TICKS = os.sysconf("SC_CLK_TCK")


class Run(NamedTuple):
    """One wrk run: requests/s, requests, CPU seconds of each node, of PostgreSQL and of nginx, the transactions
    PostgreSQL committed (the access log's group commit shows in them), each node's access-log batches (count,
    entries, seconds), the samples of node backends waiting for a lock, and nginx's new upstream connections."""

    rps: float
    requests: int
    node_cpu: list[float]
    db_cpu: float
    nginx_cpu: float
    commits: int
    batches: list[tuple[float, float, float]]
    lock_waits: float
    new_upstream: int

    @property
    def per_request(self) -> float:
        """Node CPU µs per request (every node's, also the idle ones')."""
        return sum(self.node_cpu) / self.requests * 1e6


def _tree_cpu(pid: int) -> float:
    """User + system CPU seconds of a process and its live children (PostgreSQL's backends)."""
    total = 0.0
    with contextlib.suppress(FileNotFoundError, ProcessLookupError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += sum(int(v) for v in fields[11:13]) / TICKS
        for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
            total += _tree_cpu(int(child))
    return total


def _postmaster(cluster) -> int:
    return int((cluster.pg.base / "data" / "postmaster.pid").read_text().split()[0])


def _commits(cluster) -> int:
    name = cluster.database_url.rsplit("/", 1)[1]
    return int(cluster.pg.psql(f"SELECT xact_commit FROM pg_stat_database WHERE datname = '{name}'").strip())


_BATCH = re.compile(r"^eenplan_access_log_batch_(entries|seconds)_(sum|count) ([\d.e+-]+)$", re.M)


def _batches(metrics_port: int) -> tuple[float, float, float]:
    """A node's access-log batches so far: (batches, entries, seconds), from its metrics listener."""
    with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10) as resp:
        text = resp.read().decode()
    found = {(m[1], m[2]): float(m[3]) for m in _BATCH.finditer(text)}
    return found.get(("entries", "count"), 0.0), found.get(("entries", "sum"), 0.0), found.get(("seconds", "sum"), 0.0)


def _upstream_sockets(ports: list[int]) -> int:
    """Loopback TCP sockets towards the nodes' ports in TIME_WAIT (a closed upstream connection leaves one)."""
    wanted = {f"{p:04X}" for p in ports}
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(FileNotFoundError):
            for line in Path(table).read_text().splitlines()[1:]:
                cols = line.split()
                ends = {cols[1].rsplit(":", 1)[1], cols[2].rsplit(":", 1)[1]}
                if cols[3] == "06" and ends & wanted:  # 06: TIME_WAIT, on nginx's end or the node's
                    count += 1
    return count


_SAMPLER = """
DO $$
DECLARE waiting int := 0; n int := 0;
BEGIN
  WHILE n < {samples} LOOP
    PERFORM pg_stat_clear_snapshot();
    waiting := waiting + (SELECT count(*) FROM pg_stat_activity
                          WHERE datname = '{db}' AND wait_event_type = 'Lock');
    n := n + 1;
    PERFORM pg_sleep(0.01);
  END LOOP;
  RAISE NOTICE 'lockwaits %', waiting;
END $$;
"""


class _LockSampler(threading.Thread):
    """Samples pg_stat_activity every 10 ms during a run: the mean number of the database's backends waiting
    for a lock (the access log's head row is the only lock a plan read's batch can wait for)."""

    def __init__(self, cluster, seconds: int) -> None:
        super().__init__(daemon=True)
        self.cluster, self.samples, self.mean = cluster, seconds * 100, 0.0

    def run(self) -> None:
        from support import postgres

        db = self.cluster.database_url.rsplit("/", 1)[1]
        pg = self.cluster.pg
        done = subprocess.run(
            [
                str(postgres.PG_BIN / "psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(pg.port),
                "-U",
                "postgres",
                "-d",
                db,
                "-qAtc",
                _SAMPLER.format(samples=self.samples, db=db),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        found = re.search(r"lockwaits (\d+)", done.stderr)
        self.mean = int(found.group(1)) / self.samples if found else float("nan")


def _wrk(url: str, token: str, connections: int, seconds: int) -> tuple[float, int]:
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-H", f"Authorization: Bearer {token}", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if "Non-2xx" in out:
        raise SystemExit(f"wrk saw failed requests:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    return rps, requests


def measure(cluster, front, url: str, token: str, connections: int, metrics: list[int]) -> Run:
    """One wrk run through one nginx front end, with the CPU the nodes, PostgreSQL and nginx spent on it."""
    postmaster = _postmaster(cluster)
    batches0 = [_batches(port) for port in metrics]
    tw0 = _upstream_sockets(cluster.node_ports)
    nodes0 = [node.cpu_seconds() for node in cluster.nodes]
    db0, nginx0, commits0 = _tree_cpu(postmaster), front.cpu_seconds(), _commits(cluster)
    sampler = _LockSampler(cluster, SECONDS)
    sampler.start()
    rps, requests = _wrk(url, token, connections, SECONDS)
    nodes1 = [node.cpu_seconds() for node in cluster.nodes]
    db1, nginx1 = _tree_cpu(postmaster), front.cpu_seconds()
    commits1 = _commits(cluster)
    sampler.join()
    batches1 = [_batches(port) for port in metrics]
    return Run(
        rps,
        requests,
        [b - a for a, b in zip(nodes0, nodes1, strict=True)],
        db1 - db0,
        nginx1 - nginx0,
        commits1 - commits0,
        [tuple(y - x for x, y in zip(a, b, strict=True)) for a, b in zip(batches0, batches1, strict=True)],
        sampler.mean,
        max(_upstream_sockets(cluster.node_ports) - tw0, 0),
    )


def _report(connections: int, n: int, run: Run) -> None:
    print(
        f"  {connections:3d} connections, {n} node{'s' if n > 1 else ' '}: {run.rps:7.0f} req/s, "
        f"server CPU {run.per_request:5.0f} µs/request "
        f"(PostgreSQL {run.db_cpu / run.requests * 1e6:4.0f} µs, nginx {run.nginx_cpu / run.requests * 1e6:3.0f} µs; "
        f"{sum(b[0] for b in run.batches) / max(sum(b[1] for b in run.batches), 1):4.2f} log commits per read)"
    )
    for i, (cpu, (count, entries, seconds)) in enumerate(zip(run.node_cpu, run.batches, strict=True)):
        share = entries / run.requests if run.requests else 0.0
        batch = f"{entries / count:5.1f} reads per log batch, {seconds / count * 1e3:5.2f} ms each" if count else "idle"
        print(
            f"      node {i + 1}: {share:4.0%} of the reads, CPU {cpu * 1e6 / max(entries, 1):6.0f} µs per own read "
            f"({cpu:5.2f} s); {batch}"
        )
    print(
        f"      backends waiting for a lock: {run.lock_waits:4.2f} on average; "
        f"upstream connections nginx closed: {run.new_upstream}"
    )


def main() -> None:
    """Start the cluster, load 1 node and 3 nodes through nginx in interleaved pairs, print both."""
    from cluster_harness import EenplanCluster, Nginx, missing
    from support.smtp import free_port

    why = missing() or (None if shutil.which("wrk") else "wrk missing (make system-deps installs it)")
    if why:
        print(f"cluster bench skipped: {why}")
        return
    metrics = [free_port() for _ in range(3)]

    class MeasuredCluster(EenplanCluster):
        """The cluster whose nodes serve metrics, each on its own port (the access log's batch figures)."""

        def env(self, name: str, port: int | None = None) -> dict[str, str]:
            env = super().env(name, port)
            if name.startswith("node"):
                env["EENPLAN_METRICS_URL"] = f"http://127.0.0.1:{metrics[int(name[4:]) - 1]}"
            return env

    with MeasuredCluster(nodes=3, workers=0, mail=False) as cluster:
        one = Nginx(cluster.base / "nginx-one", cluster.node_ports[:1])
        try:
            fronts = {1: one, 3: cluster.nginx}
            hh, token = cluster.demo["household"]["id"], cluster.demo["regisseur"]["token"]
            urls = {n: f"http://127.0.0.1:{front.port}/api/households/{hh}/plan" for n, front in fronts.items()}
            for url in urls.values():
                with urllib.request.urlopen(urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})):
                    pass
            print(
                f"GET plan through nginx on PostgreSQL, wrk -t1, {SECONDS} s per run, median of {PAIRS} interleaved "
                "pairs (2 cores: req/s cannot scale; CPU per request must not grow with nodes):"
            )
            for connections in CONNECTIONS:
                third = max(connections // 3, 1)
                plan = ((1, connections), (3, connections), (1, third))  # the last: 3 nodes' load per node, on 1
                for n in (1, 3):  # warm-up: every node's caches and connections
                    _wrk(urls[n], token, connections, 1)
                pairs = []
                for _ in range(PAIRS):
                    pairs.append(tuple(measure(cluster, fronts[n], urls[n], token, c, metrics) for n, c in plan))
                ratio = statistics.median_low(p[1].rps / p[0].rps for p in pairs)
                single, triple, alone = next(p for p in pairs if p[1].rps / p[0].rps == ratio)
                for (n, c), run in zip(plan, (single, triple, alone), strict=True):
                    _report(c, n, run)
                growth = triple.per_request / single.per_request
                print(
                    f"  3 nodes / 1 node: req/s {ratio:4.2f}, server CPU per request {growth:4.2f} (target ≤ 1.1); "
                    f"of it the batch size (1 node at {third} connections / at {connections}): "
                    f"{alone.per_request / single.per_request:4.2f}"
                )
        finally:
            one.stop()


if __name__ == "__main__":
    main()
