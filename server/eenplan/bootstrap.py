"""The one place where eenplan is wired together: settings → engine → services → app.

Nothing is created at import time; every entry point (serve, worker, cli,
tests, benchmarks) calls `build_services` or `create_app` here.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import sqlalchemy as sa
from aiohttp import web

from .config import Settings
from .domain.ports import Clock
from .services.betrokkenen import BetrokkeneService
from .services.container import Services
from .services.households import HouseholdService
from .services.plan import PlanService
from .services.tokens import TokenService
from .storage.engine import create_engine
from .storage.reads import PlanReader
from .storage.uow import UnitOfWorkFactory
from .web.app import create_app as create_web_app


def utc_now() -> datetime:
    """The real clock."""
    return datetime.now(timezone.utc)


def new_id() -> str:
    """A fresh random identifier (UUID4: 122 random bits, not guessable)."""
    return str(uuid.uuid4())


def build_services(settings: Settings, *, clock: Clock = utc_now) -> Services:
    """Every service, on one engine, with the deployment's signing key."""
    engine = create_engine(settings.effective_database_url)
    uow = UnitOfWorkFactory(engine)
    reads = PlanReader(engine)

    async def close() -> None:
        reads.close()
        await engine.dispose()

    async def is_ready() -> bool:
        try:
            async with engine.connect() as conn:
                await conn.execute(sa.text("SELECT 1"))
            return True
        except Exception:  # any failure means: not ready
            return False

    return Services(
        households=HouseholdService(uow, clock, new_id),
        betrokkenen=BetrokkeneService(uow, clock, new_id),
        plan=PlanService(uow, reads, clock, new_id),
        tokens=TokenService(settings.signing_key(), settings.token_ttl_seconds),
        is_ready=is_ready,
        close=close,
    )


def create_app(settings: Settings, *, clock: Clock = utc_now) -> web.Application:
    """The web application for these settings."""
    return create_web_app(build_services(settings, clock=clock), max_body_bytes=settings.max_body_bytes)
