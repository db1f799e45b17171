"""The set of services the interfaces (web, cli) work with; built by `eenplan.bootstrap` only."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from .betrokkenen import BetrokkeneService
from .households import HouseholdService
from .plan import PlanService
from .tokens import TokenService


@dataclass
class Services:
    """Everything the web app and the command line call."""

    households: HouseholdService
    betrokkenen: BetrokkeneService
    plan: PlanService
    tokens: TokenService
    is_ready: Callable[[], Awaitable[bool]]
    close: Callable[[], Awaitable[None]]
