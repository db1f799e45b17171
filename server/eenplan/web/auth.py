"""Bearer-token authentication for /api, before any handler runs."""

from __future__ import annotations

from aiohttp import web

from ..domain.errors import Unauthenticated
from .keys import PRINCIPAL, SERVICES

PUBLIC_PATHS = frozenset({"/api/openapi.json"})


@web.middleware
async def auth_middleware(request: web.Request, handler) -> web.StreamResponse:
    """Require a valid bearer token on every /api request except the public ones."""
    if request.path.startswith("/api") and request.path not in PUBLIC_PATHS:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("a bearer token is required")
        request[PRINCIPAL] = request.app[SERVICES].tokens.verify(token.strip())
    return await handler(request)
