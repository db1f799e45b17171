"""Bearer-token authentication for /api (and sign-out), before any handler runs.

Two kinds of bearer token: API tokens (signed JWTs, for machine clients;
signature verified in memory, then the revocation list: on SQLite a set
remembered while no other connection committed, on PostgreSQL one indexed
query — except for the plan read (`SETTLED_BY_LOG`), whose log row may settle
it) and a person's sign-in session (opaque 256-bit tokens without dots).
A session reaches several households: on a household route it is resolved
to the betrokkene the person is there (one indexed query, which also checks
the membership still counts); elsewhere the handler gets the session token.
The browser's cookie never authenticates here: /api takes bearer tokens only.
The /auth/ sign-in routes are public except /auth/logout.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from ..domain.errors import DecisionChanged, Unauthenticated
from ..services.tokens import TokenService
from .keys import MONITORING, PRINCIPAL, SERVICES, SESSION_TOKEN

PUBLIC_PATHS = frozenset({"/api/openapi.json"})
HOUSEHOLD_PREFIX = "/api/households/"
MONITORING_PATH = "/api/monitoring"  # monitoring tokens (scope `mon`) only, never household credentials
SIGN_OUT_PATH = "/auth/logout"
#: routes whose every GET answer is the current plan read and logged by `PlanService.current` (HEAD is 405
#: there): an API token's revocation check may be deferred to that log append (PostgreSQL: storage/pg_generation.py)
SETTLED_BY_LOG = frozenset({"/api/households/{id}/plan"})
#: no token we issue is this long (sessions: 43 characters; JWTs: a few hundred); longer ones are refused unread
MAX_AUTHORIZATION_CHARS = 4096


async def authenticated(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Require a valid bearer token on every /api request except the public ones, then run `handler`
    (called from the app's one `edge` middleware, not a middleware of its own: a layer less per request)."""
    path = request.path
    if (path.startswith("/api") and path not in PUBLIC_PATHS) or path == SIGN_OUT_PATH:
        header = request.headers.get("Authorization", "")
        if len(header) > MAX_AUTHORIZATION_CHARS:
            raise Unauthenticated(f"the Authorization header is longer than {MAX_AUTHORIZATION_CHARS} characters")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("a bearer token is required")
        token = token.strip()
        svc = request.app[SERVICES]
        if path == MONITORING_PATH:
            request[MONITORING] = await svc.tokens.authenticate_monitoring(token)
        elif "." in token and request.method in ("GET", "HEAD") and _route(request) in SETTLED_BY_LOG:
            return await _settled_by_log(request, handler, token, svc.tokens)
        elif "." in token:
            request[PRINCIPAL] = await svc.tokens.authenticate(token)
        elif (household_id := request.match_info.get("id")) is not None and path.startswith(HOUSEHOLD_PREFIX):
            request[PRINCIPAL] = await svc.sessions.principal_for(token, household_id)
        else:  # a person's session outside one household (the household list, opening a household, sign-out)
            await svc.sessions.check_live(token)
            request[SESSION_TOKEN] = token
    return await handler(request)


def _route(request: web.Request) -> str | None:
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else None


async def _settled_by_log(
    request: web.Request, handler: Handler, token: str, tokens: TokenService
) -> web.StreamResponse:
    """A plan read whose token check may come from what this node remembers: its answer (or error) leaves only
    once settled (by its log rows or one query); if the decision changed meanwhile it is done again afresh."""
    try:
        request[PRINCIPAL] = await tokens.authenticate(token, deferred=True)
        response = await handler(request)
    except DecisionChanged:
        await tokens.settle(check=False)
    except BaseException:  # an error shows nothing remembered (a non-member is never remembered): as it is
        await tokens.settle(check=False)
        raise
    else:
        if await tokens.settle():
            return response
    request[PRINCIPAL] = await tokens.authenticate(token)  # everything read afresh; logged unconditionally
    return await handler(request)
