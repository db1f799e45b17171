"""The set of services the interfaces (web, cli) work with; built by `eenplan.bootstrap` only."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from .aanspreekpunten import AanspreekpuntService
from .access_log import AccessLogService
from .account import AccountService
from .betrokkenen import BetrokkeneService
from .bounces import BounceService
from .calendar_feed import CalendarFeedService
from .caseload import CaseloadService
from .consent import ConsentService
from .consent_matrix import ConsentMatrix
from .exclusions import ExclusionService
from .factors import SecondFactors
from .households import HouseholdService
from .inbound import InboundService
from .inzage import InzageService
from .journaal import JournaalService
from .key_offers import KeyOffers
from .mailgroup import MailgroupService
from .monitoring import MonitoringService
from .my_details import MyDetailsService
from .next_overleg import NextOverlegService
from .outbox import OutboxWorker
from .overleg_polls import PollService
from .overleggen import OverlegService
from .people import PersonDirectory
from .plan import PlanService
from .plan_deadlines import PlanDeadlineService
from .plan_items import PlanItemService
from .plan_pages import PlanPageService
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
    factors: SecondFactors  # passkeys, authenticator app, recovery codes (keyed by person)
    people: PersonDirectory  # the households of a person's session, and who they are there
    account: AccountService  # the person's second-factor step and their factors (the rules about changing them)
    consent: ConsentService
    consent_matrix: ConsentMatrix  # the klant's "Wie ziet wat": who sees which section, and why
    access_log: AccessLogService
    plan_pages: PlanPageService  # the readable plan, its changes in words and its versions (pages)
    plan_items: PlanItemService  # one goal, action or afspraak at a time (API and the plan editor)
    my_details: MyDetailsService  # the person's own record: contact, reachable days, key, mail choice
    inzage: InzageService  # the klant's AVG download (art. 15)
    overleggen: OverlegService
    polls: PollService
    calendar_feeds: CalendarFeedService  # a person's secret calendar subscription URL (/agenda/<token>.ics)
    mailgroup: MailgroupService
    outbox: OutboxWorker | None  # None when no SMTP relay or keyring is configured
    inbound: InboundService  # mail to the group addresses (issue 14): answers to invitations
    journaal: JournaalService  # members writing to their group (issue 14 item 6), read on the journaal page
    bounces: BounceService  # bounce scores per address; the outbox stops at a disabled one
    key_offers: KeyOffers  # keys offered by mail (Autocrypt), confirmed by their owner on their page
    stagnatie: StagnatieService
    exclusions: ExclusionService
    veiligheid: VeiligheidService
    monitoring: MonitoringService
    aanspreekpunten: AanspreekpuntService
    caseload: CaseloadService  # the regisseur's werkbank: every household where they are regisseur (issue 13)
    plan_deadlines: PlanDeadlineService  # the written plan (14 days), vastgesteld (6 weeks), vaststellen at an overleg
    next_overleg: NextOverlegService  # who must attend the next overleg (the betrokkenen page)
    is_ready: Callable[[], Awaitable[bool]]
    close: Callable[[], Awaitable[None]]
