"""The cluster's hot read: `GET /api/households/{id}/plan` through nginx to 1 node and to 3 nodes, with wrk.

One cluster (tests/cluster/cluster_harness.py: a throwaway PostgreSQL, 3 `eenplan serve` nodes with their own
data dirs and keyrings, nginx in front) and two nginx front ends: one whose upstream is node 1 alone, one with all
three. `wrk -t1` loads them in interleaved pairs (1 node, 3 nodes, 1 node, …); the median pair is reported.

On this 2-core machine req/s cannot grow with nodes (the nodes, PostgreSQL, nginx and wrk share the cores); what
must hold is that the work per request does not grow: server CPU per request — the sum of the node processes' CPU
time over the run divided by the requests wrk counted — is printed for both, with PostgreSQL's and nginx's own CPU
per request beside it (they share the machine too).

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
    """One wrk run: requests/s, requests, CPU seconds of the nodes, of PostgreSQL and of nginx, and the
    transactions PostgreSQL committed (the access log's group commit shows in them)."""

    rps: float
    requests: int
    node_cpu: float
    db_cpu: float
    nginx_cpu: float
    commits: int


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


def measure(cluster, front, url: str, token: str, connections: int) -> Run:
    """One wrk run through one nginx front end, with the CPU the nodes, PostgreSQL and nginx spent on it."""
    postmaster = _postmaster(cluster)
    nodes0 = sum(node.cpu_seconds() for node in cluster.nodes)
    db0, nginx0, commits0 = _tree_cpu(postmaster), front.cpu_seconds(), _commits(cluster)
    rps, requests = _wrk(url, token, connections, SECONDS)
    nodes1 = sum(node.cpu_seconds() for node in cluster.nodes)
    db1, nginx1 = _tree_cpu(postmaster), front.cpu_seconds()
    return Run(rps, requests, nodes1 - nodes0, db1 - db0, nginx1 - nginx0, _commits(cluster) - commits0)


def main() -> None:
    """Start the cluster, load 1 node and 3 nodes through nginx in interleaved pairs, print both."""
    from cluster_harness import EenplanCluster, Nginx, missing

    why = missing() or (None if shutil.which("wrk") else "wrk missing (make system-deps installs it)")
    if why:
        print(f"cluster bench skipped: {why}")
        return
    with EenplanCluster(nodes=3, workers=0, mail=False) as cluster:
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
                for n in (1, 3):  # warm-up: every node's caches and connections
                    _wrk(urls[n], token, connections, 1)
                pairs = []
                for _ in range(PAIRS):
                    pairs.append(tuple(measure(cluster, fronts[n], urls[n], token, connections) for n in (1, 3)))
                ratio = statistics.median_low(p[1].rps / p[0].rps for p in pairs)
                single, triple = next(p for p in pairs if p[1].rps / p[0].rps == ratio)
                for n, run in ((1, single), (3, triple)):
                    print(
                        f"  {connections:3d} connections, {n} node{'s' if n > 1 else ' '}: {run.rps:7.0f} req/s, "
                        f"server CPU {run.node_cpu / run.requests * 1e6:5.0f} µs/request "
                        f"(PostgreSQL {run.db_cpu / run.requests * 1e6:4.0f} µs, "
                        f"nginx {run.nginx_cpu / run.requests * 1e6:3.0f} µs; "
                        f"{run.requests / max(run.commits, 1):4.1f} reads per PostgreSQL commit)"
                    )
                growth = (triple.node_cpu / triple.requests) / (single.node_cpu / single.requests)
                print(f"  3 nodes / 1 node: req/s {ratio:4.2f}, server CPU per request {growth:4.2f} (target ≤ 1.1)")
        finally:
            one.stop()


if __name__ == "__main__":
    main()
