"""How this node's processes run beside the others: logging, the worker in `serve`, shared state, metrics."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

from ..domain.errors import ValidationFailed
from . import setting
from .database import DatabaseSettings


@dataclass(frozen=True)
class ClusterSettings(DatabaseSettings):
    """The processes of this node and what the nodes share."""

    log_level: str = setting("INFO", "Python log level (DEBUG, INFO, WARNING, ERROR).", "EENPLAN_LOG_LEVEL")
    worker_in_serve: str = setting(
        "true",
        "Run the outbox worker inside `eenplan serve` (true/false); with false, run `eenplan worker` separately.",
        "EENPLAN_WORKER_IN_SERVE",
    )
    shared_state: str = setting(
        "auto",
        "Count rate limits (sign-in, calendar feeds, inbound senders) and claim the hourly jobs in the database, "
        "so several nodes act as one (auto: on with PostgreSQL, off with SQLite; on; off).",
        "EENPLAN_SHARED_STATE",
    )
    metrics_url: str = setting(
        "",
        "Where this process serves Prometheus metrics (GET /metrics), e.g. http://127.0.0.1:9464: its own listener, "
        "never the public port; keep it on a private address. Empty: no metrics.",
        "EENPLAN_METRICS_URL",
    )

    def metrics_listen(self) -> tuple[str, int]:
        """(host, port) of the metrics listener (EENPLAN_METRICS_URL, http://HOST:PORT; port 0 picks a free one)."""
        url = urllib.parse.urlsplit(self.metrics_url)
        try:
            port = url.port
        except ValueError:
            port = None
        if url.scheme != "http" or not url.hostname or port is None or url.path not in ("", "/", "/metrics"):
            raise ValidationFailed.one("EENPLAN_METRICS_URL", "must look like http://127.0.0.1:9464")
        return url.hostname, port

    @property
    def runs_worker_in_serve(self) -> bool:
        """Whether `eenplan serve` also sends the outbox."""
        return self.worker_in_serve.strip().lower() in ("1", "true", "yes", "on")

    @property
    def shares_state(self) -> bool:
        """Whether rate limits and hourly-job claims live in the database (EENPLAN_SHARED_STATE)."""
        value = self.shared_state.strip().lower()
        return value in ("on", "true") or (value == "auto" and not self.effective_database_url.startswith("sqlite"))
