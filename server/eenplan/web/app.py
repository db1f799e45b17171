"""The aiohttp application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import partial

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from ..services.container import Services
from .auth import authenticated
from .keys import MAX_BODY, RENDERED, SERVICES, TRUSTED_PROXIES
from .metrics import middleware as request_metrics
from .pages import install as install_pages
from .pages.errors import page_errors
from .params import has_nul, refuse_nul
from .problems import problem_for, quiet_protocol_errors, with_security_headers
from .routes import betrokkenen, households, meta, overleggen, plan, signin, stagnatie, toestemming, veiligheid
from .routes import inbound as inbound_routes
from .routes import mail as mail_routes
from .routes import monitoring as monitoring_routes
from .routes import plan_deadlines as plan_deadline_routes
from .routes import plan_items as plan_item_routes
from .routes import werkbank as werkbank_routes
from .routes.plan import rendered_cache

#: no page lives under /api/ (`pages.errors.NOT_PAGES`): its errors are problem+json only
API_PREFIX = "/api/"

#: aiohttp tries the routes under one prefix in this order: the plan (the hot path) first.
ROUTE_TABLES = (
    meta.table,
    plan.table,
    plan_item_routes.table,
    households.table,
    betrokkenen.table,
    toestemming.table,
    signin.table,
    overleggen.table,
    inbound_routes.table,
    mail_routes.table,
    stagnatie.table,
    veiligheid.table,
    monitoring_routes.table,
    werkbank_routes.table,
    plan_deadline_routes.table,
)


@web.middleware
async def edge(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The application's one middleware, in this order: problem details for every error (`problems`), the
    pages' error pages (every request but the API's), authentication (`auth.authenticated`), the NUL refusal
    (`params.refuse_nul`, only for a request that has one); then the security headers on every answer. One
    layer where these were five: each layer is a coroutine more on the hot read."""
    if has_nul(request):
        handler = partial(refuse_nul, handler=handler)
    try:
        if request.path.startswith(API_PREFIX):
            response = await authenticated(request, handler)
        else:
            response = await page_errors(request, partial(authenticated, handler=handler))
    except Exception as exc:
        response = problem_for(request, exc)
    return with_security_headers(response)


def create_app(
    services: Services,
    *,
    max_body_bytes: int = 1_048_576,
    trusted_proxies: frozenset[str] = frozenset(),
    csrf_key: bytes | None = None,
    theme_css: str = "",
    metrics: bool = False,
) -> web.Application:
    """A web application serving the given services; closing the app closes them.

    `csrf_key` signs the pages' form tokens (random when not given); `theme_css` is a municipality's
    stylesheet served at /static/thema.css (EENPLAN_THEME_CSS); `metrics` counts requests by route template for
    the metrics listener (web/metrics.py; never served on this app)."""
    middlewares: list[Middleware] = [edge]
    if metrics:
        middlewares.insert(0, request_metrics())
    app = web.Application(middlewares=middlewares, client_max_size=max_body_bytes)

    # `Server: eenplan` on every response: aiohttp's own header preparation reads the name
    # quiet_protocol_errors installs (no on_response_prepare coroutine per response for it)
    quiet_protocol_errors()
    app[SERVICES] = services
    app[MAX_BODY] = max_body_bytes
    app[RENDERED] = rendered_cache()
    app[TRUSTED_PROXIES] = trusted_proxies
    routes = [r for t in ROUTE_TABLES for r in t.routes]
    app[meta.OPENAPI] = meta.build_document(routes)
    for t in ROUTE_TABLES:
        t.install(app)
    install_pages(app, csrf_key=csrf_key, theme_css=theme_css)

    async def lifecycle(_app: web.Application) -> AsyncIterator[None]:
        yield
        await services.close()

    app.cleanup_ctx.append(lifecycle)
    return app
