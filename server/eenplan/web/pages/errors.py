"""Errors on pages become Dutch pages, never JSON: 401 → the sign-in page (returning afterwards), a second
factor or a choice still to do → their page, 403, 404, 429 with Retry-After, 503, 500.

Only for page requests: /api, the JSON /auth routes and the probes keep RFC 9457 (web/problems.py).
"""

from __future__ import annotations

import logging
import urllib.parse

from aiohttp import web

from ...domain.errors import (
    ChoiceRequired,
    EenplanError,
    Forbidden,
    NotFound,
    SecondFactorRequired,
    TemporaryFailure,
    Unauthenticated,
    ValidationFailed,
)
from ...domain.sessions import safe_next
from ...domain.signin import RateLimited
from ...logsafe import describe_error
from ..registry import Handler
from .cookies import clear_session, session_token
from .csrf import FormExpired
from .i18n import _, ngettext
from .keys import PERSON
from .render import page

log = logging.getLogger("eenplan.web")

#: paths that are not pages: the JSON API, the JSON sign-in routes and the probes
#: the passkey calls are JSON for static/passkey.js: their errors stay problem+json with their status
NOT_PAGES = ("/api/", "/api", "/auth/", "/healthz", "/readyz", "/inloggen/passkey/")
#: handlers under those prefixes that are pages all the same (marked with `@page_route`)
_PAGE_HANDLERS: set[object] = set()


def page_route(handler: Handler) -> Handler:
    """Mark a handler outside the page prefixes as a page (the magic link's landing page under /auth/)."""
    _PAGE_HANDLERS.add(handler)
    return handler


def is_page(request: web.Request) -> bool:
    """Whether errors on this request are answered as a Dutch page."""
    if request.match_info.route.handler in _PAGE_HANDLERS:
        return True
    path = request.path
    return not any(path == p or path.startswith(p) for p in NOT_PAGES)


def return_path(request: web.Request) -> str | None:
    """Where to come back to after sign-in: this page, when it was a GET of a local path."""
    return safe_next(request.path_qs) if request.method in ("GET", "HEAD") else None


def _with_next(path: str, request: web.Request) -> str:
    back = return_path(request)
    return f"{path}?{urllib.parse.urlencode({'next': back})}" if back else path


def error_page(request: web.Request, status: int, title: str, text: str) -> web.Response:
    """One of the error pages (title and a short explanation in B1 Dutch)."""
    return page(request, "fout.html", {"title": title, "text": text}, status=status)


def sign_in_page(request: web.Request) -> web.Response:
    """401: the sign-in form, which brings the person back here after the link (a dead session's cookie
    is forgotten on the way)."""
    request.pop(PERSON, None)  # whoever a guard saw, the session did not hold: the page shows the form
    response = page(
        request,
        "start.html",
        {"next_path": return_path(request), "notice": _("Log eerst in. Daarna komt u terug op deze pagina.")},
        status=401,
    )
    if session_token(request) is not None:
        clear_session(response, request)
    return response


@web.middleware
async def page_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer errors on page requests with pages (everything else passes through untouched)."""
    if not is_page(request):
        return await handler(request)
    try:
        return await handler(request)
    except SecondFactorRequired:
        raise web.HTTPSeeOther(_with_next("/inloggen/tweede-stap", request)) from None
    except ChoiceRequired:
        raise web.HTTPSeeOther(_with_next("/inloggen/kiezen", request)) from None
    except Unauthenticated:
        return sign_in_page(request)
    except RateLimited as err:
        minutes = max(1, (err.retry_after + 59) // 60)
        resp = error_page(
            request,
            429,
            _("Even wachten"),
            ngettext(
                "Er waren te veel pogingen. Probeer het over %(minutes)d minuut opnieuw.",
                "Er waren te veel pogingen. Probeer het over %(minutes)d minuten opnieuw.",
                minutes,
            )
            % {"minutes": minutes},
        )
        resp.headers["Retry-After"] = str(err.retry_after)
        return resp
    except FormExpired:
        return error_page(
            request,
            403,
            _("Formulier verlopen"),
            _(
                "Dit formulier is te oud of kwam niet van deze website. "
                "Ga terug, laad de pagina opnieuw en probeer het nog eens."
            ),
        )
    except NotFound:
        return not_found(request)
    except Forbidden:
        return error_page(request, 403, _("Geen toegang"), _("U mag dit niet doen of bekijken."))
    except ValidationFailed:
        return error_page(
            request,
            400,
            _("Dat ging niet goed"),
            _("Er klopt iets niet in wat u stuurde. Ga terug en probeer het opnieuw."),
        )
    except TemporaryFailure:
        return unavailable(request)
    except EenplanError as err:
        log.error("page error kind=%s on %s", err.kind, _route_name(request))
        return server_error(request)
    except web.HTTPException as err:
        if err.status < 400:
            raise
        if err.status == 404:
            return not_found(request)
        if err.status == 405:
            resp = error_page(
                request,
                405,
                _("Dat kan hier niet"),
                _("U kunt deze pagina niet zo openen. Ga naar de startpagina en probeer het opnieuw."),
            )
            if isinstance(err, web.HTTPMethodNotAllowed):
                resp.headers["Allow"] = ", ".join(sorted(err.allowed_methods))
            return resp
        if err.status == 413:
            return error_page(request, 413, _("Te groot"), _("Wat u stuurde is te groot."))
        return error_page(request, err.status, _("Dat ging niet goed"), _("Ga terug en probeer het opnieuw."))
    except Exception as exc:
        log.error("unhandled error on page %s %s: %s", request.method, _route_name(request), describe_error(exc))
        return server_error(request)


def not_found(request: web.Request) -> web.Response:
    """404: the same page for a page that does not exist and for a household that is not yours."""
    return error_page(
        request, 404, _("Pagina niet gevonden"), _("Deze pagina bestaat niet, of u heeft er geen toegang toe.")
    )


def unavailable(request: web.Request) -> web.Response:
    """503: storage or a service is briefly unavailable."""
    resp = error_page(
        request, 503, _("Even niet beschikbaar"), _("eenplan werkt nu even niet. Probeer het over een minuut opnieuw.")
    )
    resp.headers["Retry-After"] = "60"
    return resp


def server_error(request: web.Request) -> web.Response:
    """500: something went wrong on our side (the log has the error's type, never its text)."""
    return error_page(request, 500, _("Er ging iets mis"), _("Er ging bij ons iets mis. Probeer het later opnieuw."))


def _route_name(request: web.Request) -> str:
    return str(getattr(request.match_info.route.resource, "canonical", "?"))
