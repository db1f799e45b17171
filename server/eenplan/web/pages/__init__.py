"""The server-rendered pages (issue 11): Jinja2 templates with autoescape over the services' views.

`install(app)` sets up the templates and their texts, the static files, the page routes and the page
headers. Pages call services and render what they return; who may do what is decided in the services.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from . import (
    aanspreekpunt_pages,
    account,
    agenda_pages,
    betrokkene_pages,
    betrokkenen_pages,
    consent_pages,
    contact,
    editor_pages,
    factors,
    gegevens_pages,
    headers,
    households,
    info,
    journaal_pages,
    log_pages,
    mail_pages,
    overleg_pages,
    passkeys,
    plan_pages,
    refresh,
    regie_overleg_one_pages,
    regie_overleg_pages,
    regie_stagnatie_pages,
    regie_termijnen_pages,
    signin,
    werkbank_pages,
)
from .i18n import translations
from .keys import CSRF_KEY, HAS_THEME

WEB_DIR = Path(__file__).resolve().parent.parent
TEMPLATES = WEB_DIR / "templates"
STATIC = WEB_DIR / "static"
THEME_PATH = "/static/thema.css"

#: page modules, each with `routes` (a web.RouteTableDef); the second-factor and account pages join here
PAGE_MODULES = [
    signin,
    households,
    info,
    contact,
    factors,
    passkeys,
    account,
    refresh,
    plan_pages,
    consent_pages,
    log_pages,
    agenda_pages,  # before overleg_pages: its /overleggen/agenda-link is not an overleg's id
    overleg_pages,
    gegevens_pages,
    editor_pages,
    mail_pages,
    journaal_pages,
    regie_overleg_pages,
    regie_overleg_one_pages,
    regie_stagnatie_pages,
    regie_termijnen_pages,
    werkbank_pages,
    betrokkenen_pages,
    betrokkene_pages,
    aanspreekpunt_pages,
]


def environment() -> jinja2.Environment:
    """The templates' environment: autoescape on for every template, the gettext texts installed; templates are
    compiled once per process (no file check on every page: an upgrade restarts the server)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        auto_reload=False,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(), newstyle=True)  # type: ignore[attr-defined]
    return env


def install(app: web.Application, *, csrf_key: bytes | None = None, theme_css: str = "") -> None:
    """Add the pages to the app. `csrf_key`: from the deployment's secret (random when not given, as in
    tests: a restart then invalidates open forms); `theme_css`: a municipality's stylesheet to serve."""
    app[aiohttp_jinja2.APP_KEY] = environment()
    app[CSRF_KEY] = csrf_key or secrets.token_bytes(32)
    app[HAS_THEME] = bool(theme_css)
    if theme_css:
        theme = Path(theme_css)

        async def theme_file(_request: web.Request) -> web.StreamResponse:
            return web.FileResponse(theme)

        app.router.add_get(THEME_PATH, theme_file)
    for module in PAGE_MODULES:
        app.router.add_routes(module.routes)
    app.router.add_static("/static/", STATIC, append_version=False)
    app.on_response_prepare.append(headers.page_headers)
