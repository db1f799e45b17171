"""The aiohttp application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from ..services.container import Services
from .auth import auth_middleware
from .keys import MAX_BODY, SERVICES
from .problems import problem_middleware
from .routes import betrokkenen, households, meta, plan

ROUTE_TABLES = (meta.table, households.table, betrokkenen.table, plan.table)


@web.middleware
async def security_headers(request: web.Request, handler) -> web.StreamResponse:
    """Headers every response carries: no sniffing, no framing, no caching of plan data by proxies."""
    response = await handler(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if request.path.startswith("/api"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def create_app(services: Services, *, max_body_bytes: int = 1_048_576) -> web.Application:
    """A web application serving the given services; closing the app closes them."""
    app = web.Application(middlewares=[security_headers, problem_middleware, auth_middleware],
                          client_max_size=max_body_bytes)

    app[SERVICES] = services
    app[MAX_BODY] = max_body_bytes
    routes = [r for t in ROUTE_TABLES for r in t.routes]
    app[meta.OPENAPI] = meta.build_document(routes)
    for t in ROUTE_TABLES:
        t.install(app)

    async def lifecycle(_app: web.Application) -> AsyncIterator[None]:
        yield
        await services.close()

    app.cleanup_ctx.append(lifecycle)
    return app
