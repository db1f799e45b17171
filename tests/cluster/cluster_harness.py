"""A real eenplan cluster on this machine: one throwaway PostgreSQL, N `eenplan serve` nodes, M `eenplan worker`s,
an aiosmtpd relay and nginx (Debian's) in front — every part its own process, started and SIGKILLed like in
production. Used by tests/cluster and bench/cluster.py.

Each node and worker has its own data dir and GNUPGHOME (nothing shared on disk) and the same settings: database
URL, token secret (EENPLAN_SECRET_KEY; the VERP, CSRF and TOTP keys derive from it), key-encryption key, limits.
Processes are forked from the tests' forkserver (support/cli.py), so a restart after a kill takes a moment, not
Python's whole start-up.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import aiohttp
from aiosmtpd.controller import Controller
from support import postgres
from support.cli import _child, _forkserver, run_cli
from support.outbox_kills import KillingRelay
from support.smtp import free_port

NGINX = Path("/usr/sbin/nginx")
SECRET = "cluster-token-secret-shared-by-every-node-0123456789"
KEK = base64.b64encode(bytes(range(32))).decode("ascii")
TICKS = os.sysconf("SC_CLK_TCK")


def missing() -> str | None:
    """Why a cluster cannot start here (nginx or PostgreSQL missing), or None."""
    if not NGINX.exists():
        return f"{NGINX} missing (make system-deps installs nginx-light)"
    if not postgres.available():
        return f"PostgreSQL binaries missing in {postgres.PG_BIN}"
    return None


class Child:
    """One `eenplan <command>` process (forked from the forkserver); its output is only read when it exits."""

    def __init__(self, name: str, args: tuple[str, ...], env: dict[str, str], cwd: Path) -> None:
        self.name, self.args, self.env, self.cwd = name, args, env, cwd
        self.process: Any = None
        self._answer: Any = None
        self.start()

    def start(self) -> None:
        """Start (again) with the same command and environment."""
        context = _forkserver()
        self._answer, send = context.Pipe(duplex=False)
        self.process = context.Process(
            target=_child, args=(self.args, self.env, str(self.cwd), send), daemon=True, name=self.name
        )
        self.process.start()
        send.close()

    @property
    def pid(self) -> int:
        """The process id."""
        assert self.process.pid is not None
        return int(self.process.pid)

    @property
    def alive(self) -> bool:
        """Whether the process runs."""
        return bool(self.process is not None and self.process.is_alive())

    def exit_report(self) -> str:
        """What a process that ended by itself printed (exit code, stdout, stderr)."""
        if self._answer is not None and self._answer.poll(0):
            code, out, err = self._answer.recv()
            return f"{self.name} exited {code}: {out[-2000:]} {err[-4000:]}"
        return f"{self.name} exited {self.process.exitcode}"

    def cpu_seconds(self) -> float:
        """User + system CPU of the process and its reaped children (gpg), from /proc."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            return 0.0
        return sum(int(v) for v in fields[11:15]) / TICKS  # utime stime cutime cstime

    def kill(self) -> None:
        """SIGKILL: the process dies wherever it is."""
        if self.alive:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
        if self.process is not None:
            self.process.join(10)
        if self._answer is not None:
            self._answer.close()
            self._answer = None


class SenderKillingRelay(KillingRelay):
    """The kill campaign's relay, whose hook learns which client connection the 250 went to."""

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.messages.append((rcpt, envelope.original_content))
            self.accepted += 1
            hook, self.after_250 = self.after_250, None
        if hook is not None:  # the 250 below is written first; the hook runs a moment later
            import asyncio

            asyncio.get_running_loop().call_later(0.002, hook, session.peer)
        return "250 Message accepted for delivery"


def _socket_inode(local_port: int) -> str | None:
    """The inode of the loopback TCP socket bound to this local port (the SMTP client's end)."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(FileNotFoundError):
            for line in Path(table).read_text().splitlines()[1:]:
                cols = line.split()
                if int(cols[1].rsplit(":", 1)[1], 16) == local_port:
                    return cols[9]
    return None


NGINX_CONF = """\
{user}daemon off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 2048; }}
http {{
    access_log off;   # URLs name households; eenplan keeps its own access log
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    upstream eenplan {{
{servers}
        keepalive 64;
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 1m;
        location / {{
            proxy_pass http://eenplan;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            # another node answers when one is down or unready: for idempotent requests only (nginx never
            # passes a POST or PATCH that reached a node to the next one, unless told `non_idempotent`)
            proxy_next_upstream error timeout http_502 http_503;
            proxy_next_upstream_tries 3;
            proxy_connect_timeout 1s;
            proxy_read_timeout 60s;
        }}
    }}
}}
"""


class Nginx:
    """nginx in front of the nodes, from a generated configuration in its own prefix directory."""

    def __init__(self, prefix: Path, node_ports: list[int]) -> None:
        self.prefix = prefix
        self.port = free_port()
        prefix.mkdir(parents=True, exist_ok=True)
        servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=1s;" for p in node_ports)
        user = "user root;\n" if os.geteuid() == 0 else ""  # temp files inside the 0700 prefix
        conf = NGINX_CONF.format(user=user, d=prefix, servers=servers, port=self.port)
        (prefix / "nginx.conf").write_text(conf)
        self.process = subprocess.Popen(
            [str(NGINX), "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(prefix / "nginx.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self._wait()

    def _wait(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.process.stderr.read().decode(errors='replace')}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return
            time.sleep(0.05)
        raise RuntimeError(f"nginx did not listen on {self.port} within {timeout} s")

    def cpu_seconds(self) -> float:
        """CPU of nginx's master and worker processes."""
        total = 0.0
        for pid in [self.process.pid, *_children(self.process.pid)]:
            with contextlib.suppress(FileNotFoundError, ProcessLookupError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += sum(int(v) for v in fields[11:13]) / TICKS
        return total

    def stop(self) -> None:
        """Stop nginx: SIGTERM lets the master end its workers (a SIGKILLed master would leave them serving);
        whatever is left after 10 s is killed."""
        workers = _children(self.process.pid)
        if self.process.poll() is None:
            self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
        for pid in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def _children(pid: int) -> list[int]:
    with contextlib.suppress(FileNotFoundError):
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return []


def _wait_http(url: str, timeout: float, child: Child | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child is not None and not child.alive:
            raise RuntimeError(child.exit_report())
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} was not ready within {timeout} s")


class EenplanCluster:
    """The whole cluster; `start()` brings every part up (migrated, demo seeded), `stop()` kills every part."""

    def __init__(self, nodes: int = 3, workers: int = 2, mail: bool = True, **settings: str) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="eenplan-cl-"))  # short: a GNUPGHOME must stay under 80 chars
        self.node_count, self.worker_count, self.mail = nodes, workers, mail
        self.extra = settings
        self.pg: postgres.Cluster | None = None
        self.relay: SenderKillingRelay | None = None
        self.killed_senders: list[Child] = []
        self._armed = False
        self._controller: Controller | None = None
        self.nodes: list[Child] = []
        self.workers: list[Child] = []
        self.nginx: Nginx | None = None
        self.node_ports = [free_port() for _ in range(nodes)]
        self.database_url = ""
        self.demo: dict[str, Any] = {}

    # --- settings -------------------------------------------------------------------------------------------

    def env(self, name: str, port: int | None = None) -> dict[str, str]:
        """The environment of one process: the shared settings, its own data dir and GNUPGHOME."""
        own = self.base / name
        own.mkdir(exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("EENPLAN_")}
        env |= {
            "EENPLAN_DATABASE_URL": self.database_url,
            "EENPLAN_SECRET_KEY": SECRET,
            "EENPLAN_KEY_ENCRYPTION_KEY": KEK,
            "EENPLAN_DATA_DIR": str(own),
            "EENPLAN_GNUPGHOME": str(own / "gnupg"),
            "EENPLAN_LOG_LEVEL": "WARNING",
            "EENPLAN_HOST": "127.0.0.1",
            "EENPLAN_PUBLIC_URL": "http://localhost:8080",  # links in mail; nginx's port is not known yet
            "EENPLAN_TRUSTED_PROXIES": "127.0.0.1",
            "EENPLAN_OUTBOX_LEASE_SECONDS": "5",
            "EENPLAN_OUTBOX_POLL_SECONDS": "1",
            "EENPLAN_OUTBOX_BACKOFF_SECONDS": "1",
        }
        if port is not None:
            env["EENPLAN_PORT"] = str(port)
        if self._controller is not None:
            env["EENPLAN_SMTP_URL"] = f"smtp://127.0.0.1:{self._controller.port}"
        env |= {f"EENPLAN_{k.upper()}": v for k, v in self.extra.items()}
        return env

    # --- life cycle ------------------------------------------------------------------------------------------

    def start(self) -> EenplanCluster:
        """PostgreSQL, migrate, demo, relay, nodes, workers, nginx; returns when every node is ready."""
        atexit.register(self.stop)  # also when the session ends without its teardown (INTERNALERROR, ^C)
        try:  # the forkserver imports eenplan while initdb runs
            warm = threading.Thread(target=run_cli, args=("settings",), kwargs={"cwd": self.base}, daemon=True)
            warm.start()
            self.pg = postgres.Cluster().start()
            warm.join()
            self.database_url = self.pg.create_database()
            for step in (("migrate",), ("demo", "--json")):
                done = run_cli(*step, env=self.env("setup"), cwd=self.base, timeout=180)
                if done.returncode != 0:
                    raise RuntimeError(f"eenplan {step[0]}: {done.stdout[-2000:]} {done.stderr[-4000:]}")
            self.demo = json.loads(done.stdout)
            self.demo["by_name"] = {b["name"]: b for b in self.demo["betrokkenen"]}
            self.demo["regisseur"] = next(b for b in self.demo["betrokkenen"] if b["role"] == "procesregisseur")
            if self.mail:
                self.relay = SenderKillingRelay()
                self._controller = Controller(
                    self.relay, hostname="127.0.0.1", port=free_port(), data_size_limit=20_000_000
                )
                self._controller.start()
            for i, port in enumerate(self.node_ports):
                self.nodes.append(Child(f"node{i + 1}", ("serve",), self.env(f"node{i + 1}", port), self.base))
            if self.mail:
                for j in range(self.worker_count):
                    self.workers.append(Child(f"worker{j + 1}", ("worker",), self.env(f"worker{j + 1}"), self.base))
            for i in range(self.node_count):
                _wait_http(self.node_url(i) + "/readyz", 120, self.nodes[i])
            self.nginx = Nginx(self.base / "nginx", self.node_ports)
            _wait_http(self.url + "/healthz", 30)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Kill every part (also after a failure half-way), stop gpg-agents, remove the files."""
        for child in [*self.nodes, *self.workers]:
            with contextlib.suppress(Exception):
                child.kill()
        if self.nginx is not None:
            with contextlib.suppress(Exception):
                self.nginx.stop()
        if self._controller is not None:
            with contextlib.suppress(Exception):
                self._controller.stop()
            self._controller = None
        if self.pg is not None:
            self.pg.stop()
        for home in self.base.glob("*/gnupg"):
            subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "all"], capture_output=True, check=False)
        shutil.rmtree(self.base, ignore_errors=True)

    def __enter__(self) -> EenplanCluster:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # --- addresses and parts ----------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """nginx's base URL."""
        assert self.nginx is not None
        return f"http://127.0.0.1:{self.nginx.port}"

    def node_url(self, i: int) -> str:
        """One node's own base URL (0-based index)."""
        return f"http://127.0.0.1:{self.node_ports[i]}"

    def kill_node(self, i: int) -> None:
        """SIGKILL node i."""
        self.nodes[i].kill()

    def kill_worker(self, j: int) -> None:
        """SIGKILL worker j."""
        self.workers[j].kill()

    def restart_worker(self, j: int) -> None:
        """Start worker j again (same settings and home)."""
        self.workers[j].start()

    async def restart_node(self, i: int, timeout: float = 120) -> None:
        """Start node i again and wait (without blocking the loop) until its /readyz is green."""
        node = self.nodes[i]
        node.start()
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline:
                if not node.alive:
                    raise RuntimeError(node.exit_report())
                with contextlib.suppress(aiohttp.ClientError, OSError):
                    async with http.get(self.node_url(i) + "/readyz") as resp:
                        if resp.status == 200:
                            return
                await _sleep(0.1)
        raise RuntimeError(f"node {i + 1} did not come back within {timeout} s")

    def sender_of(self, local_port: int) -> Child | None:
        """The node or worker whose SMTP connection comes from this port."""
        inode = _socket_inode(local_port)
        if inode is None:
            return None
        for child in [*self.nodes, *self.workers]:
            with contextlib.suppress(FileNotFoundError, ProcessLookupError, PermissionError):
                for fd in os.listdir(f"/proc/{child.pid}/fd"):
                    with contextlib.suppress(OSError):
                        if os.readlink(f"/proc/{child.pid}/fd/{fd}") == f"socket:[{inode}]":
                            return child
        return None

    def kill_sender_after_next_250(self) -> None:
        """Arm the relay: right after its next 250, SIGKILL the process that sent that mail (before it can mark
        the row sent: the worst moment for a duplicate); the victim lands in `killed_senders`."""
        assert self.relay is not None
        self._armed = True

        def hook(peer: tuple[str, int]) -> None:
            if not self._armed:
                return
            child = self.sender_of(peer[1])
            if child is None:
                self.kill_sender_after_next_250()  # not ours to find (it closed already): the next one
                return
            with contextlib.suppress(ProcessLookupError):
                os.kill(child.pid, signal.SIGKILL)
            self.killed_senders.append(child)
            self._armed = False

        self.relay.after_250 = hook

    def disarm(self) -> None:
        """No kill after the next 250 after all."""
        self._armed = False
        if self.relay is not None:
            self.relay.after_250 = None

    def sql(self, statement: str) -> str:
        """One SQL statement on the cluster's database, as the superuser (psql -At output)."""
        assert self.pg is not None
        return self.pg.psql(statement, database=self.database_url.rsplit("/", 1)[1])


async def _sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)
