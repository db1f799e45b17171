"""Journaal (issue 14 item 6): the messages members wrote to the groups the caller belongs to.

`JournaalService.page` decides what the caller reads (`domain.journaal.may_read_journaal`) and logs what it
shows on channel WEB; this page only puts it into words. A message's text is shown as text (autoescaped,
line by line): mail is never rendered as HTML.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from aiohttp import web
from babel.dates import format_date, format_time

from ...domain.pages import HouseholdPage
from ...services.journaal import WHOLE_GROUP, Shown
from ..keys import services
from . import guard
from .i18n import SOURCE_LANGUAGE, _
from .keys import WHERE
from .render import page

routes = web.RouteTableDef()

ZONE = ZoneInfo("Europe/Amsterdam")
JOURNAAL = "/huishoudens/{id}/" + HouseholdPage.JOURNAAL.value


@dataclass(frozen=True)
class Entry:
    """One message as the page shows it."""

    id: str
    author: str
    group: str
    when: str
    subject: str | None
    paragraphs: list[list[str]]  # blank lines part paragraphs; every line break is kept
    had_attachments: bool


def _paragraphs(text: str) -> list[list[str]]:
    """The text's paragraphs (parted by blank lines), each as its lines."""
    out: list[list[str]] = [[]]
    for line in text.split("\n"):
        if line.strip():
            out[-1].append(line)
        elif out[-1]:
            out.append([])
    return [p for p in out if p]


def _entry(shown: Shown) -> Entry:
    at = shown.message.received_at.astimezone(ZONE)
    day = format_date(at.date(), "EEEE d MMMM y", locale=SOURCE_LANGUAGE)
    when = f"{day}, {format_time(at, 'HH:mm', locale=SOURCE_LANGUAGE)}"
    group = _("iedereen") if shown.group == WHOLE_GROUP else shown.group
    return Entry(
        shown.message.id,
        shown.author,
        group,
        when,
        shown.message.subject,
        _paragraphs(shown.message.text),
        shown.message.had_attachments,
    )


@routes.get(JOURNAAL)
async def journaal(request: web.Request) -> web.Response:
    """The journaal of the groups I am a member of, newest first."""
    await guard.signed_in(request)
    household_id = request.match_info["id"]
    principal = await guard.household_principal(request, household_id)
    svc = services(request)
    shown = await svc.journaal.page(principal, household_id)
    household, _offered = await svc.households.start(principal, household_id)
    request[WHERE] = household.name
    return page(request, "journaal.html", {"household_id": household_id, "entries": [_entry(s) for s in shown]})
