"""The personal calendar feed: "Zet in uw agenda" (make a link, shown once; a new one; stop it) on the
overleggen page, and the public feed itself, `GET /agenda/<token>.ics` (no sign-in: the secret URL is the key).

`CalendarFeedService` decides and logs; an unknown, stopped or removed person's link answers the same 404.
"""

from __future__ import annotations

from aiohttp import web

from ..keys import services
from . import forms, guard
from .render import page, redirect

routes = web.RouteTableDef()

LINK = "/huishoudens/{id}/overleggen/agenda-link"
STOP = LINK + "/stoppen"
FEED = "/agenda/{token}.ics"


def _list(household_id: str, notice: str = "") -> str:
    return f"/huishoudens/{household_id}/overleggen" + (f"?gelukt={notice}" if notice else "") + "#agenda"


@routes.get(LINK)
@routes.get(STOP)
async def back(request: web.Request) -> web.Response:
    """A GET of a form's address (a refresh) goes back to the overleggen page: the link is never shown again."""
    raise redirect(_list(request.match_info["id"]))


@routes.post(LINK)
async def new_link(request: web.Request) -> web.Response:
    """Make my calendar link (the old one stops) and show it this once."""
    post = await forms.posted(request)
    household_id, principal = post.household_id, post.principal
    svc = services(request)
    replaced = await svc.calendar_feeds.has_feed(principal, household_id)
    url = await svc.calendar_feeds.create(principal, household_id)
    await guard.named_household(request, principal, household_id)
    return page(
        request,
        "overleg_agenda_link.html",
        {"url": url, "replaced": replaced, "back": _list(household_id), "household_id": household_id},
    )


@routes.post(STOP)
async def stop_link(request: web.Request) -> web.Response:
    """Stop my calendar link; back to the overleggen page."""
    post = await forms.posted(request)
    await services(request).calendar_feeds.stop(post.principal, post.household_id)
    raise redirect(_list(post.household_id, "gestopt"))


@routes.get(FEED)
async def feed(request: web.Request) -> web.Response:
    """The feed for calendar programs (Outlook, Google, Thunderbird): text/calendar, CRLF lines; GET and HEAD
    (a HEAD is never access-logged: it shows nothing)."""
    ics = await services(request).calendar_feeds.feed(request.match_info["token"], head=request.method == "HEAD")
    return web.Response(
        body=ics,
        content_type="text/calendar",
        charset="utf-8",
        headers={"Content-Disposition": 'inline; filename="overleggen.ics"'},
    )
