"""The set of services the interfaces (web, cli) work with; built by `eenplan.bootstrap` only."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from dataclasses import dataclass

from .access_log import AccessLogService
from .betrokkenen import BetrokkeneService
from .consent import ConsentService
from .households import HouseholdService
from .mailgroup import MailgroupService
from .outbox import OutboxWorker
from .overleg_polls import PollService
from .overleggen import OverlegService
from .plan import PlanService
from .sessions import SessionService
from .signin import SignInService
from .tokens import TokenService


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
    is_ready: Callable[[], Awaitable[bool]]
    close: Callable[[], Awaitable[None]]
    stagnatie: Any = None        # StagnatieService (issue 6)
    exclusions: Any = None       # ExclusionService
    veiligheid: Any = None       # VeiligheidService
    monitoring: Any = None       # MonitoringService
    aanspreekpunten: Any = None  # AanspreekpuntService
