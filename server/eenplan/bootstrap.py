"""The one place where eenplan is wired together: settings → engine → services → app.

Nothing is created at import time; every entry point (serve, worker, cli,
tests, benchmarks) calls `build_services` or `create_app` here.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, TypedDict

from aiohttp import web

from .config import Settings
from .domain.cluster_ports import AttemptCounter
from .domain.factors import FactorNotices
from .domain.inbound import MAX_MESSAGE_BYTES, MAX_RECIPIENTS
from .domain.ports import Clock, InviteOutbox, Werkdagen
from .domain.sessions import SecondFactorPolicy, SessionPolicy
from .domain.signin import AttemptLimiter, SessionLookupReader, SignInLimits
from .services.access_log import AccessLogService
from .services.account import AccountService
from .services.betrokkenen import BetrokkeneService
from .services.bounces import BounceService
from .services.caseload import CaseloadService
from .services.consent import ConsentService
from .services.consent_matrix import ConsentMatrix
from .services.consent_notices import ConsentNotices
from .services.consent_roster import ConsentRoster
from .services.container import Services
from .services.factor_notices import MailFactorNotices
from .services.factors import SecondFactors, SecurityLogNotices, relying_party
from .services.households import HouseholdService
from .services.inbound import InboundService
from .services.inzage import InzageService
from .services.journaal import JournaalService
from .services.journaal_mail import JournaalMail
from .services.journaal_retention import JournaalRetention
from .services.key_offers import KeyOffers
from .services.my_details import MyDetailsService
from .services.next_overleg import NextOverlegService
from .services.people import PersonDirectory
from .services.plan import PlanService
from .services.plan_deadlines import PlanDeadlineService
from .services.plan_items import PlanItemService
from .services.plan_pages import PlanPageService
from .services.sessions import SessionService
from .services.signin import SignInService
from .services.tokens import TokenService
from .storage.audit_writer import AccessLogWriter
from .storage.caseload_repository import reads as caseload_reads
from .storage.engine import create_engine, engine_health, is_sqlite
from .storage.engine import is_ready as storage_ready
from .storage.loop_db import for_database as loop_connection
from .storage.metrics_reads import MetricsReads
from .storage.page_reads import PageReader
from .storage.pg_reads import PgReads
from .storage.reads import PlanReader
from .storage.uow import UnitOfWorkFactory
from .web.app import create_app as create_web_app
from .web.metrics import DatabaseFigures, MetricsListener, counted_delivery, listener_context
from .web.oidc import OidcClient
from .web.signin_links import ConsoleLinkSender, OutboxLinkSender

if TYPE_CHECKING:  # built lazily below (each area only when wired); named here for the signatures
    from sqlalchemy.ext.asyncio import AsyncEngine

    from eenplan_crypto.keyring import Keyring
    from eenplan_mail.lmtp import InboundReceiver

    from .services.aanspreekpunten import AanspreekpuntService
    from .services.calendar_feed import CalendarFeedService
    from .services.exclusions import ExclusionService
    from .services.household_keys import HouseholdKeys
    from .services.mailgroup import MailgroupService
    from .services.monitoring import MonitoringService
    from .services.outbox import OutboxWorker
    from .services.overleg_polls import PollService
    from .services.overleggen import OverlegService
    from .services.stagnatie import StagnatieService
    from .services.veiligheid import VeiligheidService
    from .storage.outbox_wake import PgOutboxWake


class OverlegServices(TypedDict):
    """What `build_overleggen` adds to `Services`."""

    overleggen: OverlegService
    polls: PollService
    calendar_feeds: CalendarFeedService


class StagnatieServices(TypedDict):
    """What `build_stagnatie` adds to `Services`."""

    stagnatie: StagnatieService
    exclusions: ExclusionService
    veiligheid: VeiligheidService
    monitoring: MonitoringService
    aanspreekpunten: AanspreekpuntService


def utc_now() -> datetime:
    """The real clock."""
    return datetime.now(UTC)


def new_id() -> str:
    """A fresh random identifier (UUID4: 122 random bits, not guessable)."""
    return str(uuid.uuid4())


def build_signin(
    settings: Settings,
    uow: UnitOfWorkFactory,
    clock: Clock,
    mailgroup: MailgroupService | None = None,
    reads: SessionLookupReader | None = None,
    counter: AttemptCounter | None = None,
) -> tuple[SessionService, SignInService]:
    """Sessions and sign-in: magic links by mail (console without SMTP); OIDC when configured; the attempt
    limits counted in `counter` when several nodes share it (None: in this process)."""
    sessions = SessionService(
        uow,
        clock,
        SessionPolicy(
            timedelta(seconds=settings.session_idle_seconds), timedelta(seconds=settings.session_max_seconds)
        ),
        SecondFactorPolicy(settings.second_factor),
        lookup=reads,
    )
    window = settings.signin_limit_window_seconds
    limits = SignInLimits(
        AttemptLimiter(settings.signin_ip_limit, window), AttemptLimiter(settings.signin_target_limit, window), counter
    )
    public_url = settings.effective_public_url
    idp = (
        OidcClient(
            settings.oidc_issuer,
            settings.oidc_client_id,
            settings.oidc_client_secret,
            f"{public_url}/auth/oidc/callback",
        )
        if settings.oidc_issuer
        else None
    )
    sender = (
        OutboxLinkSender(mailgroup)
        if settings.smtp_url and mailgroup is not None
        else ConsoleLinkSender(bool(settings.smtp_url))
    )
    return sessions, SignInService(uow, clock, sessions, limits, sender, public_url, idp, settings.mfa_values)


def build_factors(
    settings: Settings,
    uow: UnitOfWorkFactory,
    clock: Clock,
    notices: FactorNotices | None = None,
    counter: AttemptCounter | None = None,
) -> SecondFactors:
    """Second factors: the WebAuthn relying party is the public URL; proofs are limited like sign-in attempts."""
    window = settings.signin_limit_window_seconds
    limits = SignInLimits(
        AttemptLimiter(settings.signin_ip_limit, window), AttemptLimiter(settings.signin_target_limit, window), counter
    )
    rp = relying_party(settings.effective_public_url)
    notices = notices or SecurityLogNotices()
    key = settings.signing_key()  # TOTP secrets are sealed with a key derived from it (not in the database)
    return SecondFactors(uow, clock, limits, rp.rp_id, rp.rp_name, rp.origin, notices, secret_key=key)


def build_overleggen(
    settings: Settings,
    uow: UnitOfWorkFactory,
    clock: Clock,
    plan: PlanService,
    invite_outbox: InviteOutbox | None = None,
    counter: AttemptCounter | None = None,
) -> OverlegServices:
    """Overleggen and date polls: werkdagen and iTIP from eenplan_calendar, invites into the mail outbox."""
    from eenplan_calendar.feed import FeedCalendar
    from eenplan_calendar.planner import CalendarPlanner, parse_office_hours
    from eenplan_calendar.werkdagen import WerkdagCalendar

    from .services.calendar_feed import CalendarFeedService
    from .services.overleg_invites import InviteSender
    from .services.overleg_polls import PollService
    from .services.overleggen import OverlegService

    werkdagen = WerkdagCalendar.from_settings(
        settings.bevrijdingsdag, settings.goede_vrijdag, settings.extra_closing_days
    )
    planner = CalendarPlanner(werkdagen, parse_office_hours(settings.office_hours))
    outbox = invite_outbox  # the mail outbox's InviteOutbox (MailgroupService.enqueue_invite, issue 4)
    invites = InviteSender(planner, settings.mail_domain, clock, outbox)
    overleggen = OverlegService(uow, clock, new_id, werkdagen, planner, invites, plan, settings.reminder_werkdagen)
    polls = PollService(
        overleggen, plan, uow, clock, new_id, wake_after_commit=getattr(outbox, "wake_after_commit", None)
    )  # poll notices wake the worker
    feeds = CalendarFeedService(uow, clock, plan, FeedCalendar(), settings.effective_public_url, counter)
    return {"overleggen": overleggen, "polls": polls, "calendar_feeds": feeds}


def build_mail(
    settings: Settings, uow: UnitOfWorkFactory, plan: PlanService, clock: Clock
) -> tuple[MailgroupService, OutboxWorker | None, Keyring | None]:
    """The mailgroup (keys, groups, transactional outbox) and, with an SMTP relay, its worker.

    One signing key per household (uid plan-<code>@MAIL_DOMAIN) in one server keyring.
    Without a usable keyring path (e.g. too long) and without SMTP, mail is simply off.
    """
    import logging

    from eenplan_crypto.keyring import Keyring
    from eenplan_mail.gateway import PgpMailGateway

    from .domain.errors import ValidationFailed
    from .export.pdf import PlanPdfRenderer
    from .services.mailgroup import MailgroupService, MailSettings
    from .services.outbox import OutboxWorker
    from .services.outbox_rows import WorkerSettings
    from .web.mail_metrics import WatchedSmtpSender, count_mail

    try:
        keyring = Keyring(settings.effective_gnupg_home)
    except ValidationFailed:
        if settings.smtp_url:
            raise
        logging.getLogger(__name__).warning("EENPLAN_GNUPGHOME is too long; key upload and mail are off")
        keyring = None
    household_keys = build_household_keys(settings, uow, clock, keyring)
    mailgroup = MailgroupService(
        uow,
        plan,
        keyring,
        PlanPdfRenderer(),
        clock,
        new_id,
        MailSettings(
            settings.mail_domain, settings.effective_public_url, settings.outbox_max_attempts, verp_key(settings)
        ),
        household_keys,
    )
    plan.on_version_created.append(mailgroup.enqueue_plan_update)
    outbox = None
    if settings.smtp_url and keyring is not None:
        # the relay watched: one WARNING per outage, one INFO when it ends (web.mail_metrics)
        gateway = PgpMailGateway(keyring, WatchedSmtpSender(settings.smtp_url), settings.mail_domain)
        outbox = OutboxWorker(
            uow,
            plan,
            mailgroup,
            gateway,
            keyring,
            clock,
            WorkerSettings(
                lease_seconds=settings.outbox_lease_seconds,
                max_attempts=settings.outbox_max_attempts,
                backoff_seconds=settings.outbox_backoff_seconds,
                poll_seconds=settings.outbox_poll_seconds,
                observe=count_mail,  # eenplan_mail_sent_total / eenplan_mail_failed_total by kind
            ),
        )
    return mailgroup, outbox, keyring


def build_household_keys(
    settings: Settings, uow: UnitOfWorkFactory, clock: Clock, keyring: Keyring | None
) -> HouseholdKeys | None:
    """Household signing keys and pinned keys in the database (issue 15), this node's keyring their cache; the
    sealer (AES-256-GCM under EENPLAN_KEY_ENCRYPTION_KEY) is made on first use (`check_key_encryption_key` at start)."""
    from eenplan_crypto.sealing import KeySealer

    from .services.household_keys import HouseholdKeys

    if keyring is None:
        return None
    return HouseholdKeys(uow, keyring, lambda: KeySealer(*settings.key_encryption_keys()), clock, settings.mail_domain)


def check_key_encryption_key(settings: Settings) -> None:
    """At a node's start (serve, worker, inbound): a KEK is at hand — generated into DATA_DIR on SQLite, required
    (ValidationFailed naming EENPLAN_KEY_ENCRYPTION_KEY) on PostgreSQL, where every node must share it."""
    settings.key_encryption_keys()


async def backfill_keys(services: Services) -> None:
    """At start: pinned keys from before issue 15 that this node's keyring holds go into the database (so every
    node can encrypt to them); a failure is logged and retried at the next start, it does not stop the node."""
    keys = services.mailgroup.household_keys
    if keys is None:
        return
    await check_kek(services)
    try:
        await keys.backfill()
    except Exception as exc:
        logging.getLogger("eenplan.keys").warning("storing pinned keys from the keyring failed: %s", type(exc).__name__)


async def check_kek(services: Services) -> None:
    """At start (serve, worker, inbound): one ERROR line per KEK id the stored household keys are sealed under and
    this node's EENPLAN_KEY_ENCRYPTION_KEY cannot open; the node still starts (the other households work)."""
    keys = services.mailgroup.household_keys
    if keys is None:
        return
    try:
        await keys.check_kek()
    except Exception as exc:  # the first mail that needs a key says it again
        logging.getLogger("eenplan.keys").warning("checking the key-encryption key failed: %s", type(exc).__name__)


def verp_key(settings: Settings) -> bytes:
    """The key of the VERP return paths (domain.bounces), derived from the deployment's secret."""
    return hmac.new(settings.signing_key(), b"eenplan return paths", hashlib.sha256).digest()


def build_journaal(
    settings: Settings,
    uow: UnitOfWorkFactory,
    clock: Clock,
    plan: PlanService,
    mailgroup: MailgroupService,
    outbox: OutboxWorker | None,
) -> JournaalService:
    """The household's journaal (issue 14 item 6): the mail adapter reads a member's post, the outbox sends it on."""
    from eenplan_mail import journaal_post

    journaal = JournaalService(
        uow,
        clock,
        new_id,
        plan,
        reader=journaal_post,
        mail_domain=settings.mail_domain,
        wake_after_commit=mailgroup.wake_after_commit,
    )
    if outbox is not None:
        outbox.journaal = JournaalMail(journaal, plan)
        retention = JournaalRetention(uow, clock, settings.journaal_retention_days)
        # hourly, claimed once per cluster; the names are the jobs' claim keys (the names they always had)
        outbox.periodic.append(("JournaalRetention.delete_expired", retention.delete_expired))
    return journaal


def build_inbound(
    settings: Settings,
    uow: UnitOfWorkFactory,
    clock: Clock,
    keyring: Keyring | None,
    bounces: BounceService,
    journaal: JournaalService | None = None,
    counter: AttemptCounter | None = None,
    mailgroup: MailgroupService | None = None,
) -> InboundService:
    """The receiver's use case (issue 14): the mail adapter reads structure, the calendar adapter iMIP answers,
    the keyring opens PGP/MIME (without one, signed or encrypted mail is refused as unreadable)."""
    from eenplan_calendar import replies
    from eenplan_crypto.opening import MailOpener
    from eenplan_mail import inbound as inbound_mail

    from .services.inbound import SenderWindow

    return InboundService(
        uow,
        clock,
        new_id,
        reader=inbound_mail,
        replies=replies,
        opener=MailOpener(keyring) if keyring is not None else None,
        mail_domain=settings.mail_domain,
        bounces=bounces,
        journaal=journaal,
        window=SenderWindow(shared=counter) if counter is not None else None,
        household_key=mailgroup.signer if mailgroup is not None else None,  # mail must be to the address's key
    )


def build_consent_notices(settings: Settings, clock: Clock, mailgroup: MailgroupService) -> ConsentNotices:
    """Consent notices through the outbox: a request to those who must answer, an answer to the requester."""

    def wake() -> None:
        for listener in mailgroup.on_enqueued:
            listener()

    return ConsentNotices(clock, new_id, settings.effective_public_url, wake)


def build_stagnatie(
    uow: UnitOfWorkFactory,
    clock: Clock,
    plan: PlanService,
    mailgroup: MailgroupService,
    outbox: OutboxWorker | None,
    keyring: Keyring | None,
    werkdagen: Werkdagen,
) -> StagnatieServices:
    """Stagnatie, safety and monitoring on the overleggen' werkdag calendar; overdue deadlines run in the worker."""
    from .services.aanspreekpunten import AanspreekpuntService
    from .services.exclusions import ExclusionService
    from .services.monitoring import MonitoringService
    from .services.stagnatie import StagnatieService
    from .services.veiligheid import VeiligheidService

    def wake() -> None:
        for listener in mailgroup.on_enqueued:
            listener()

    stagnatie = StagnatieService(uow, plan, clock, new_id, werkdagen, wake)
    if outbox is not None:
        outbox.periodic.append(("StagnatieService.notify_overdue", stagnatie.notify_overdue))
    return {
        "stagnatie": stagnatie,
        "exclusions": ExclusionService(uow, clock),
        "veiligheid": VeiligheidService(uow, plan, clock, new_id),
        "monitoring": MonitoringService(uow, clock, werkdagen),
        "aanspreekpunten": AanspreekpuntService(uow, keyring, clock, mailgroup.household_keys),
    }


#: Libraries that log SQL parameters (plan content) at DEBUG; kept at WARNING whatever the log level.
DATA_LOGGERS = ("aiosqlite", "sqlalchemy.engine", "sqlalchemy.pool", "asyncpg", "gnupg", "aiosmtplib", "mail.log")


def quiet_data_loggers() -> None:
    """Never let a library write plan content to the application log, even at DEBUG."""
    for name in DATA_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def build_cluster_state(
    settings: Settings, engine: AsyncEngine, mailgroup: MailgroupService, outbox: OutboxWorker | None
) -> tuple[AttemptCounter | None, PgOutboxWake | None]:
    """What several nodes share (issue 15): with EENPLAN_SHARED_STATE (default: on with PostgreSQL) the
    attempt counter in the database and the outbox worker's hourly jobs claimed once per hour across the
    cluster; on PostgreSQL, NOTIFY after every commit that queued mail and LISTEN in the worker. Without it
    (SQLite): (None, None), i.e. counters in this process and the in-process wake, exactly as one node."""
    from .storage.job_claims import DatabaseJobClaims
    from .storage.outbox_wake import PgOutboxWake
    from .storage.shared_limits import DatabaseCounter

    counter = None
    if not settings.shares_state and not is_sqlite(settings.effective_database_url):
        # one node on PostgreSQL may do without; several would each count alone (N nodes: N times every limit)
        logging.getLogger(__name__).warning(
            "EENPLAN_SHARED_STATE is off on PostgreSQL: rate limits are counted per node and the hourly jobs run "
            "on every node; with more than one node, set it to auto or on"
        )
    if settings.shares_state:
        key = hmac.new(settings.signing_key(), b"eenplan rate limits", hashlib.sha256).digest()
        # bucket keys are HMACs under it: no IP or address in the clear; purged once past the longest window
        counter = DatabaseCounter(engine, key, window_seconds=settings.signin_limit_window_seconds)
        if outbox is not None:
            outbox.claims = DatabaseJobClaims(engine)
            outbox.periodic.append(("DatabaseCounter.purge_now", counter.purge_now))
    wake_source = None
    if not is_sqlite(settings.effective_database_url):
        wake_source = PgOutboxWake(engine, settings.effective_database_url)
        mailgroup.on_enqueued.append(wake_source.notify)
        if outbox is not None:
            outbox.wake_source = wake_source
    return counter, wake_source


def build_services(settings: Settings, *, clock: Clock = utc_now) -> Services:
    """Every service, on one engine, with the deployment's signing key."""
    quiet_data_loggers()
    engine = create_engine(settings.effective_database_url)
    uow = UnitOfWorkFactory(engine)
    # the hot reads and the access log share one SQLite connection on the loop, or one asyncpg pool
    health = engine_health(engine)  # one view of storage faults for the engine, the hot path and the log
    loop_db = loop_connection(settings.effective_database_url, health)
    pg = None if loop_db is not None else PgReads(settings.effective_database_url, health=health)
    reads = PlanReader(engine, loop_db, pg)
    page_reads = PageReader(reads)
    access_log = AccessLogWriter(engine, loop_db, pg)

    async def close_storage() -> None:
        await access_log.close()
        await reads.close()
        await engine.dispose()

    async def is_ready() -> bool:
        return await storage_ready(engine, health)

    plan = PlanService(uow, reads, access_log, clock, new_id)
    mailgroup, outbox, keyring = build_mail(settings, uow, plan, clock)
    counter, wake_source = build_cluster_state(settings, engine, mailgroup, outbox)
    sessions, signin = build_signin(settings, uow, clock, mailgroup, reads, counter)
    factors = build_factors(settings, uow, clock, MailFactorNotices(signin.link_sender, clock), counter)

    async def close() -> None:
        await signin.settle()  # accepted sign-in link requests finish before storage closes
        if wake_source is not None:
            await wake_source.settle()
        if keyring is not None:
            await keyring.aclose()
        await close_storage()

    overleg_services = build_overleggen(settings, uow, clock, plan, mailgroup, counter)
    bounces = BounceService(uow, clock, verp_key(settings), settings.mail_domain)
    journaal = build_journaal(settings, uow, clock, plan, mailgroup, outbox)
    if outbox is not None:
        outbox.periodic.append(("OverlegService.due_reminders", overleg_services["overleggen"].due_reminders))
    consent = ConsentService(
        uow, clock, new_id, settings.consent_policy, notices=build_consent_notices(settings, clock, mailgroup)
    )
    betrokkenen = BetrokkeneService(uow, clock, new_id, consent, contacts=signin.contacts)
    return Services(
        households=HouseholdService(uow, clock, new_id),
        betrokkenen=betrokkenen,
        my_details=MyDetailsService(uow, betrokkenen, mailgroup),
        plan=plan,
        mailgroup=mailgroup,
        outbox=outbox,
        inbound=build_inbound(settings, uow, clock, keyring, bounces, journaal, counter, mailgroup=mailgroup),
        journaal=journaal,
        bounces=bounces,
        key_offers=KeyOffers(uow, mailgroup),
        tokens=TokenService(
            settings.signing_key(), settings.token_ttl_seconds, uow=uow, revocations=reads, clock=clock
        ),
        sessions=sessions,
        signin=signin,
        factors=factors,
        account=AccountService(sessions, factors, signin),
        people=PersonDirectory(uow, sessions, page_reads),
        consent=consent,
        consent_matrix=ConsentMatrix(uow, clock, consent.required_of, plan.access_in),
        access_log=AccessLogService(uow),
        plan_pages=PlanPageService(uow, plan, ConsentRoster(clock, settings.consent_policy), page_reads),
        plan_items=PlanItemService(uow, plan, new_id),
        inzage=InzageService(
            uow, plan, consent, overleg_services["overleggen"], AccessLogService(uow), mailgroup, journaal
        ),
        **overleg_services,
        **build_stagnatie(uow, clock, plan, mailgroup, outbox, keyring, overleg_services["overleggen"].werkdagen),
        caseload=CaseloadService(
            uow,
            clock,
            sessions,
            caseload_reads,
            overleg_services["overleggen"].werkdagen,
            overleg_services["overleggen"].planner.startoverleg_window,
        ),
        plan_deadlines=PlanDeadlineService(uow, clock, new_id, plan),
        next_overleg=NextOverlegService(overleg_services["overleggen"], clock),
        is_ready=is_ready,
        close=close,
    )


def create_app(settings: Settings, *, clock: Clock = utc_now) -> web.Application:
    """The web application for these settings (with the outbox worker unless EENPLAN_WORKER_IN_SERVE=false)."""
    services = build_services(settings, clock=clock)
    app = create_web_app(
        services,
        max_body_bytes=settings.max_body_bytes,
        trusted_proxies=settings.trusted_proxy_addresses,
        csrf_key=hmac.new(settings.signing_key(), b"eenplan page forms", hashlib.sha256).digest(),
        theme_css=settings.theme_css,
        metrics=bool(settings.metrics_url),
    )
    app.on_startup.append(lambda _app: backfill_keys(services))
    if settings.runs_worker_in_serve and services.outbox is not None:
        app.cleanup_ctx.append(worker_context(services))
    if settings.inbound_url:
        app.cleanup_ctx.append(receiver_context(services, settings))
    if settings.metrics_url:
        app.cleanup_ctx.append(listener_context(metrics_listener(settings)))
    return app


def metrics_listener(settings: Settings) -> MetricsListener:
    """The Prometheus listener of this process (EENPLAN_METRICS_URL) with the database's figures on its own engine."""
    reads = MetricsReads(settings.effective_database_url)
    host, port = settings.metrics_listen()
    return MetricsListener(host, port, DatabaseFigures(reads.read), on_stop=reads.close)


def receiver(services: Services, settings: Settings) -> InboundReceiver:
    """The inbound LMTP/SMTP receiver over the inbound use case (EENPLAN_INBOUND_URL)."""
    from eenplan_mail.lmtp import InboundReceiver

    lmtp, host, port = settings.inbound_listen()
    return InboundReceiver(
        services.inbound.accepts,
        counted_delivery(services.inbound.deliver),
        host=host,
        port=port,
        lmtp=lmtp,
        max_bytes=MAX_MESSAGE_BYTES,
        max_recipients=MAX_RECIPIENTS,
    )


def receiver_context(services: Services, settings: Settings) -> Callable[[web.Application], AsyncIterator[None]]:
    """An aiohttp cleanup_ctx running the inbound receiver inside `eenplan serve` (when EENPLAN_INBOUND_URL is set)."""

    async def run(_app: web.Application) -> AsyncIterator[None]:
        listener = receiver(services, settings)
        await listener.start()
        yield
        await listener.stop()

    return run


def worker_context(services: Services) -> Callable[[web.Application], AsyncIterator[None]]:
    """An aiohttp cleanup_ctx running the outbox worker as a background task of the server."""
    import asyncio
    import contextlib

    worker = services.outbox
    if worker is None:
        raise ValueError("no outbox worker to run (no SMTP relay or keyring configured)")

    async def run(_app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(worker.run_forever(), name="eenplan-outbox")
        yield
        worker.stop()  # finish the pass in hand, then return
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout=10)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return run
