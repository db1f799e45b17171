"""The one place where eenplan is wired together: settings → engine → services → app.

Nothing is created at import time; every entry point (serve, worker, cli,
tests, benchmarks) calls `build_services` or `create_app` here.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from aiohttp import web

from .config import Settings
from .domain.ports import Clock
from .domain.sessions import SessionPolicy
from .domain.signin import AttemptLimiter, SignInLimits
from .services.access_log import AccessLogService
from .services.betrokkenen import BetrokkeneService
from .services.consent import ConsentService
from .services.container import Services
from .services.households import HouseholdService
from .services.plan import PlanService
from .services.sessions import SessionService
from .services.signin import SignInService
from .services.tokens import TokenService
from .storage.engine import create_engine
from .storage.audit_writer import AccessLogWriter
from .storage.reads import PlanReader
from .storage.uow import UnitOfWorkFactory
from .web.app import create_app as create_web_app
from .web.oidc import OidcClient
from .web.signin_links import ConsoleLinkSender


def utc_now() -> datetime:
    """The real clock."""
    return datetime.now(timezone.utc)


def new_id() -> str:
    """A fresh random identifier (UUID4: 122 random bits, not guessable)."""
    return str(uuid.uuid4())


def build_signin(settings: Settings, uow: UnitOfWorkFactory, clock: Clock) -> tuple[SessionService, SignInService]:
    """Sessions and sign-in (magic links to the console until issue 4's mail pipeline; OIDC when configured)."""
    sessions = SessionService(uow, clock, SessionPolicy(timedelta(seconds=settings.session_idle_seconds),
                                                        timedelta(seconds=settings.session_max_seconds)))
    window = settings.signin_limit_window_seconds
    limits = SignInLimits(AttemptLimiter(settings.signin_ip_limit, window),
                          AttemptLimiter(settings.signin_target_limit, window))
    public_url = settings.effective_public_url
    idp = (OidcClient(settings.oidc_issuer, settings.oidc_client_id, settings.oidc_client_secret,
                      f"{public_url}/auth/oidc/callback") if settings.oidc_issuer else None)
    return sessions, SignInService(uow, clock, sessions, limits, ConsoleLinkSender(bool(settings.smtp_url)),
                                   public_url, idp)


def build_overleggen(settings: Settings, uow: UnitOfWorkFactory, clock: Clock, plan: PlanService) -> dict:
    """Overleggen and date polls: werkdagen and iTIP from eenplan_calendar, invites into the mail outbox."""
    from eenplan_calendar.planner import CalendarPlanner, parse_office_hours
    from eenplan_calendar.werkdagen import WerkdagCalendar

    from .services.overleg_invites import InviteSender
    from .services.overleg_polls import PollService
    from .services.overleggen import OverlegService

    werkdagen = WerkdagCalendar.from_settings(settings.bevrijdingsdag, settings.goede_vrijdag,
                                              settings.extra_closing_days)
    planner = CalendarPlanner(werkdagen, parse_office_hours(settings.office_hours))
    outbox = None  # the mail outbox's InviteOutbox adapter plugs in here (issue 4)
    invites = InviteSender(planner, settings.mail_domain, clock, outbox)
    overleggen = OverlegService(uow, clock, new_id, werkdagen, planner, invites, plan, settings.reminder_werkdagen)
    return {"overleggen": overleggen, "polls": PollService(overleggen)}


def build_services(settings: Settings, *, clock: Clock = utc_now) -> Services:
    """Every service, on one engine, with the deployment's signing key."""
    engine = create_engine(settings.effective_database_url)
    uow = UnitOfWorkFactory(engine)
    reads = PlanReader(engine)
    access_log = AccessLogWriter(engine)
    sessions, signin = build_signin(settings, uow, clock)

    async def close() -> None:
        await access_log.close()
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
        plan=(plan := PlanService(uow, reads, access_log, clock, new_id)),
        tokens=TokenService(settings.signing_key(), settings.token_ttl_seconds),
        sessions=sessions,
        signin=signin,
        consent=ConsentService(uow, clock, new_id, settings.consent_policy),
        access_log=AccessLogService(uow),
        **build_overleggen(settings, uow, clock, plan),
        is_ready=is_ready,
        close=close,
    )


def create_app(settings: Settings, *, clock: Clock = utc_now) -> web.Application:
    """The web application for these settings."""
    return create_web_app(build_services(settings, clock=clock), max_body_bytes=settings.max_body_bytes)
