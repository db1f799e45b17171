"""Who the browser is signed in as, before a page shows anything personal.

The core decides; this only asks it with the cookie's token and remembers the answer for the layout.
Errors (no session, a second factor or a choice still to do) become pages in `errors.py`.
"""

from __future__ import annotations

from aiohttp import web

from ...domain.access import Principal
from ...domain.errors import SecondFactorRequired, Unauthenticated
from ...domain.household import Household
from ...domain.sessions import PersonSessionView
from ..keys import services
from .cookies import session_token
from .keys import LOOKUP, PERSON, WHERE


def token_or_401(request: web.Request) -> str:
    """The cookie's session token, or Unauthenticated (→ the sign-in page, returning here afterwards)."""
    token = session_token(request)
    if token is None:
        raise Unauthenticated("sign in first")
    return token


async def signed_in(request: web.Request, *, second_factor: bool = True) -> PersonSessionView:
    """The signed-in person; with `second_factor`, also refuse while the policy still asks for one
    (SecondFactorRequired → /inloggen/tweede-stap). The second-factor pages themselves pass False."""
    view, session, members = await services(request).sessions.person_session_with_members(token_or_401(request))
    request[PERSON] = view
    request[LOOKUP] = (session, members)
    if second_factor and view.needs_second_factor:
        raise SecondFactorRequired("confirm your sign-in with a second factor first")
    return view


async def household_principal(request: web.Request, household_id: str) -> Principal:
    """Who the person is in this household (the core raises for a choice or factor still to do; for a
    household the session does not reach the services answer 404, as for a missing one)."""
    sessions = services(request).sessions
    if LOOKUP not in request:
        await signed_in(request, second_factor=False)
    session, members = request[LOOKUP]
    return sessions.principal_in(session, members, household_id)


async def household(request: web.Request) -> tuple[str, Principal]:
    """The household in the path and who the signed-in person is there: every household page's preamble
    (sign-in and second factor first, then the principal; a household the session does not reach gives the
    principal nobody is, so the services answer 404 as for a missing one)."""
    await signed_in(request)
    household_id = request.match_info["id"]
    return household_id, await household_principal(request, household_id)


async def named_household(request: web.Request, principal: Principal, household_id: str) -> Household:
    """The household (the services decide who may see it), its name remembered for the layout's header."""
    found = await services(request).households.get(principal, household_id)
    request[WHERE] = found.name
    return found
