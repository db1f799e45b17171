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
from multidict import MultiMapping

from ...domain.access import Principal
from ...domain.errors import ValidationFailed
from ...domain.pages import HouseholdPage
from ...services.journaal import WHOLE_GROUP, Shown
from ..keys import services
from . import csrf, guard
from .i18n import SOURCE_LANGUAGE, _
from .keys import WHERE
from .render import page, redirect

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


async def _principal(request: web.Request) -> tuple[str, Principal]:
    await guard.signed_in(request)
    household_id = request.match_info["id"]
    return household_id, await guard.household_principal(request, household_id)


async def _render(
    request: web.Request, errors: dict[str, str] | None = None, entered: dict[str, str] | None = None
) -> web.Response:
    household_id, principal = await _principal(request)
    svc = services(request)
    view = await svc.journaal.page(principal, household_id)
    household, _offered = await svc.households.start(principal, household_id)
    request[WHERE] = household.name
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


def _text(form: MultiMapping[str | bytes | bytearray | web.FileField], name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


@routes.post(JOURNAAL)
async def write(request: web.Request) -> web.Response:
    """Write a message to one of my groups: kept and sent on like a mail from me."""
    form = await csrf.checked_form(request)
    household_id, principal = await _principal(request)
    group, text, subject = _text(form, "groep"), _text(form, "tekst"), _text(form, "onderwerp")
    try:
        await services(request).journaal.write(principal, household_id, group or None, text, subject or None)
    except ValidationFailed as err:
        field = err.problems[0].field if err.problems else "tekst"
        words = {
            "groep": _("Kies een groep waar u bij hoort."),
            "tekst": _("Schrijf een bericht van hoogstens 100 kB.") if text.strip() else _("Schrijf een bericht."),
        }
        entered = {"groep": group, "tekst": text, "onderwerp": subject}
        return await _render(request, {field: words.get(field, words["tekst"])}, entered)
    raise redirect(f"/huishoudens/{household_id}/{HouseholdPage.JOURNAAL.value}?gelukt=verstuurd")
