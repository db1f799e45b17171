"""The set of services the interfaces (web, cli) work with; built by `eenplan.bootstrap` only."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from .aanspreekpunten import AanspreekpuntService
from .access_log import AccessLogService
from .betrokkenen import BetrokkeneService
from .consent import ConsentService
from .exclusions import ExclusionService
from .households import HouseholdService
from .mailgroup import MailgroupService
from .monitoring import MonitoringService
from .outbox import OutboxWorker
from .overleg_polls import PollService
from .overleggen import OverlegService
from .plan import PlanService
from .sessions import SessionService
from .signin import SignInService
from .stagnatie import StagnatieService
from .tokens import TokenService
from .veiligheid import VeiligheidService


@dataclass
class Services:
    """Everything the web app and the command line call."""

    households: HouseholdService
    betrokkenen: BetrokkeneService
    plan: PlanService
    tokens: TokenService
    sessions: SessionService
    signin: SignInService
    consent: ConsentService
    access_log: AccessLogService
    overleggen: OverlegService
    polls: PollService
    mailgroup: MailgroupService
    outbox: OutboxWorker | None  # None when no SMTP relay or keyring is configured
    stagnatie: StagnatieService
    exclusions: ExclusionService
    veiligheid: VeiligheidService
    monitoring: MonitoringService
    aanspreekpunten: AanspreekpuntService
    is_ready: Callable[[], Awaitable[bool]]
    close: Callable[[], Awaitable[None]]
