"""Typed application and request keys."""

from __future__ import annotations

from aiohttp import web
from multidict import CIMultiDict

from ..domain.access import Principal
from ..domain.errors import Unauthenticated
from ..services.container import Services
from ..services.plan_content import Lru, PlanSnapshot

SERVICES = web.AppKey("services", Services)
MAX_BODY = web.AppKey("max_body", int)
#: reverse proxies whose X-Forwarded-For is believed (EENPLAN_TRUSTED_PROXIES)
TRUSTED_PROXIES = web.AppKey("trusted_proxies", frozenset)
#: a rendered plan answer: its body and its own headers (Content-Type, ETag), copied into each response
Rendered = tuple[bytes, CIMultiDict[str]]
#: rendered plan answers by snapshot (snapshots are immutable and shared between equal views)
RENDERED = web.AppKey("rendered", Lru[PlanSnapshot, Rendered])
PRINCIPAL = web.RequestKey("principal", Principal)
MONITORING = web.RequestKey("monitoring", str)  # the gemeente a monitoring token covers
#: a person's session token on an /api route outside one household (the household list, opening one)
SESSION_TOKEN = web.RequestKey("session_token", str)


def services(request: web.Request) -> Services:
    """The services of the app serving this request."""
    return request.app[SERVICES]


def principal(request: web.Request) -> Principal:
    """The authenticated caller (set by the auth middleware on every household route and for API tokens)."""
    try:
        return request[PRINCIPAL]
    except KeyError:  # a person's session on a route that names no household
        raise Unauthenticated("this needs an API token or a route of one household") from None
