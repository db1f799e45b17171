"""Rendering a page: a template over the views the services returned, inside the one layout (base.html)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from . import csrf
from .keys import HAS_THEME, PERSON, WHERE


def layout(request: web.Request) -> dict[str, Any]:
    """What every page's layout shows: who you are (once a guard looked you up), where, the form token."""
    person = request.get(PERSON)
    return {
        "person_email": person.email if person is not None else None,
        "signed_in": person is not None,
        # signed in by the link, but the second step is still to do: the other pages would only send one back
        "almost_signed_in": person is not None and person.needs_second_factor,
        "where": request.get(WHERE),
        "csrf_field": csrf.FIELD,
        "csrf_token": csrf.token(request),
        "has_theme": request.app[HAS_THEME],
        "current_path": request.path,
        "household_home": household_home(request),
    }


def household_home(request: web.Request) -> str | None:
    """On a page under a household (`/huishoudens/{id}/…`), the household's start page: the way back to its menu."""
    household_id = request.match_info.get("id")
    home = f"/huishoudens/{household_id}"
    return home if household_id and request.path.startswith(home + "/") else None


def page(
    request: web.Request, template: str, context: Mapping[str, Any] | None = None, status: int = 200
) -> web.Response:
    """The HTML answer: `template` rendered with the layout's context and the page's own."""
    values = {**layout(request), **(context or {})}
    response = aiohttp_jinja2.render_template(template, request, values, status=status)
    csrf.give_cookie(request, response)
    return response


def redirect(location: str) -> web.HTTPSeeOther:
    """A 303 to a local page (after a POST: the browser GETs the next page)."""
    return web.HTTPSeeOther(location)
