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

from ...domain.errors import ValidationFailed
from ...domain.pages import HouseholdPage
from ...services.journaal import WHOLE_GROUP, Shown
from ..keys import services
from . import forms, guard
from .forms import Posted
from .i18n import SOURCE_LANGUAGE, _
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


async def _render(
    request: web.Request, errors: dict[str, str] | None = None, entered: dict[str, str] | None = None
) -> web.Response:
    household_id, principal = await guard.household(request)
    view = await services(request).journaal.page(principal, household_id)
    await guard.named_household(request, principal, household_id)
    everyone = _("Iedereen met e-mail")
    audiences = [(a.group_id or "", everyone if a.group_id is None else a.name, a.address) for a in view.audiences]
    context = {
        "household_id": household_id,
        "entries": [_entry(s) for s in view.messages],
        "audiences": audiences,
        "errors": errors or {},
        "entered": entered or {},
        "notice": request.query.get("gelukt", ""),
    }
    return page(request, "journaal.html", context, status=422 if errors else 200)


@routes.get(JOURNAAL)
async def journaal(request: web.Request) -> web.Response:
    """The journaal of the groups I am a member of, newest first, and a form to write to one of them."""
    return await _render(request)


@routes.post(JOURNAAL)
async def write(request: web.Request) -> web.StreamResponse:
    """Write a message to one of my groups: kept and sent on like a mail from me."""

    async def act(post: Posted) -> str:
        group, text, subject = post.text("groep"), post.text("tekst"), post.text("onderwerp")
        await services(request).journaal.write(post.principal, post.household_id, group or None, text, subject or None)
        return f"/huishoudens/{post.household_id}/{HouseholdPage.JOURNAAL.value}?gelukt=verstuurd"

    async def refused(post: Posted, err: ValidationFailed) -> web.Response:
        field = err.problems[0].field if err.problems else "tekst"
        text = post.text("tekst")
        words = {
            "groep": _("Kies een groep waar u bij hoort."),
            "tekst": _("Schrijf een bericht van hoogstens 100 kB.") if text.strip() else _("Schrijf een bericht."),
        }
        entered = {"groep": post.text("groep"), "tekst": text, "onderwerp": post.text("onderwerp")}
        return await _render(request, {field: words.get(field, words["tekst"])}, entered)

    return await forms.handle(request, act, refused)
