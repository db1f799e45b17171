"""Typed application and request keys."""

from __future__ import annotations

from aiohttp import web

from ..domain.access import Principal
from ..services.container import Services
from ..services.plan_content import Lru, PlanSnapshot

SERVICES = web.AppKey("services", Services)
MAX_BODY = web.AppKey("max_body", int)
#: reverse proxies whose X-Forwarded-For is believed (EENPLAN_TRUSTED_PROXIES)
TRUSTED_PROXIES = web.AppKey("trusted_proxies", frozenset)
#: rendered plan bodies by snapshot (snapshots are immutable and shared between equal views)
RENDERED = web.AppKey("rendered", Lru[PlanSnapshot, bytes])
PRINCIPAL = web.RequestKey("principal", Principal)
MONITORING = web.RequestKey("monitoring", str)  # the gemeente a monitoring token covers


def services(request: web.Request) -> Services:
    """The services of the app serving this request."""
    return request.app[SERVICES]


def principal(request: web.Request) -> Principal:
    """The authenticated caller (set by the auth middleware on every /api route but the spec)."""
    return request[PRINCIPAL]
