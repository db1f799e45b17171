"""Bearer-token authentication for /api (and sign-out), before any handler runs.

Two kinds of bearer token: API tokens (signed JWTs, for machine clients;
signature verified in memory, then the revocation list: on SQLite a set
remembered while no other connection committed, on PostgreSQL one indexed
query) and sign-in sessions (opaque 256-bit
tokens without dots; one indexed query that also checks the betrokkene is
not removed). The /auth/ sign-in routes are public except /auth/logout.
"""

from __future__ import annotations

from aiohttp import web

from ..domain.errors import Unauthenticated
from .keys import MONITORING, PRINCIPAL, SERVICES

PUBLIC_PATHS = frozenset({"/api/openapi.json"})
MONITORING_PATH = "/api/monitoring"  # monitoring tokens (scope `mon`) only, never household credentials
SIGN_OUT_PATH = "/auth/logout"
#: no token we issue is this long (sessions: 43 characters; JWTs: a few hundred); longer ones are refused unread
MAX_AUTHORIZATION_CHARS = 4096


@web.middleware
async def auth_middleware(request: web.Request, handler) -> web.StreamResponse:
    """Require a valid bearer token on every /api request except the public ones."""
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
        elif "." in token:
            request[PRINCIPAL] = await svc.tokens.authenticate(token)
        else:
            request[PRINCIPAL] = await svc.sessions.authenticate(token)
    return await handler(request)
