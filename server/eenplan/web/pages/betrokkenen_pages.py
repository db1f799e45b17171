"""Betrokkenen (issue 13 item 3): the regisseur's list of the people of a household — kind, role, days, whether
their key works, must-attend for the next overleg — and stopping someone's calendar link (a leaked one). Adding,
changing, removing one betrokkene and their machine token are `betrokkene_pages`.

Every rule is the services': `BetrokkeneService` (who may add, change, remove; role fits kind; a jeugdige's
birth date), `MailgroupService.missing_keys` (who lacks a usable key; regisseurs only, so the overview is
theirs) and `TokenService.issue_for` (regisseurs; never for the aanspreekpunt).
"""

from __future__ import annotations

from aiohttp import web

from ...domain.access import Principal
from ...domain.betrokkene import ROLE_LABELS, Kind, Role
from ...domain.errors import ValidationFailed
from ...domain.pages import HouseholdPage
from ..keys import services
from . import forms, guard
from .forms import Posted
from .gegevens_pages import DAY_LABELS
from .i18n import _
from .render import page, redirect
from .werkbank_pages import OVERLEG_TEXTS, moment_text

routes = web.RouteTableDef()

BASE = "/huishoudens/{id}/" + HouseholdPage.BETROKKENEN.value

KIND_LABELS: dict[Kind, str] = {
    Kind.KLANT: _("gezin (klant)"),
    Kind.NETWERK: _("netwerk"),
    Kind.PROFESSIONAL: _("professional"),
}

#: why someone gets no encrypted mail (the codes of `missing_keys`), in words
KEY_REASONS: dict[str, str] = {
    "geen e-mailadres": _("geen e-mailadres"),
    "kiest alleen meldingen": _("kiest alleen meldingen"),
    "geen sleutel": _("geen sleutel"),
    "sleutel onbruikbaar (verlopen of ingetrokken)": _("sleutel verlopen of ingetrokken"),
    "sleutel verloopt binnen 30 dagen": _("sleutel verloopt binnen 30 dagen"),
}

DONE_TEXTS: dict[str, str] = {
    "toegevoegd": _("De betrokkene is toegevoegd."),
    "opgeslagen": _("De gegevens zijn opgeslagen."),
    "wacht": _("Het nieuwe e-mailadres werkt pas als de betrokkene het bevestigt met de link die we sturen."),
    "verwijderd": _("De betrokkene doet niet meer mee. Zijn of haar toegang is gestopt."),
    "moet": _("Opgeslagen: deze persoon moet bij het volgende overleg zijn. De uitnodiging is bijgewerkt."),
    "mag": _("Opgeslagen: deze persoon hoeft niet bij het volgende overleg te zijn."),
    "agenda-gestopt": _("De agenda-link is gestopt. De betrokkene kan zelf een nieuwe link maken bij Onze overleggen."),
    "geen-agenda": _("Deze betrokkene had geen werkende agenda-link."),
}


def role_label(role: Role) -> str:
    """A role as people name it."""
    return _(ROLE_LABELS.get(role, role.value))


@routes.get(BASE)
async def betrokkenen(request: web.Request) -> web.Response:
    """Everyone in the household, with kind, role, relation, organisation, days, whether their key works and
    whether they must attend the next overleg."""
    _household_id, principal = await guard.household(request)
    return await _list_page(request, principal)


async def _list_page(request: web.Request, principal: Principal, error: str | None = None) -> web.Response:
    household_id = request.match_info["id"]
    svc = services(request)
    missing = {m["betrokkene_id"]: m["reason"] for m in await svc.mailgroup.missing_keys(principal, household_id)}
    people = await svc.betrokkenen.list(principal, household_id)
    coming = await svc.next_overleg.next_for(principal, household_id)
    feeds = await svc.calendar_feeds.holders(principal, household_id)
    household = await guard.named_household(request, principal, household_id)
    return page(
        request,
        "betrokkenen.html",
        {
            "household": household,
            "base": BASE.format(id=household_id),
            "people": people,
            "missing": {bid: KEY_REASONS.get(reason, reason) for bid, reason in missing.items()},
            "kind_label": KIND_LABELS,
            "role_label": role_label,
            "day_label": DAY_LABELS,
            "notice": DONE_TEXTS.get(request.query.get("gelukt", ""), ""),
            "next_overleg": coming,
            "next_overleg_text": f"{OVERLEG_TEXTS[coming.type]}, {moment_text(coming.start)}" if coming else "",
            "invited": {i.betrokkene_id: i.must_attend for i in coming.invitees} if coming else {},
            "feeds": feeds,
            "error": error,
        },
        status=422 if error else 200,
    )


@routes.post(BASE + "/{bid}/volgend-overleg")
async def must_attend(request: web.Request) -> web.StreamResponse:
    """Whether this betrokkene must attend the next overleg (the overleg service changes its invitees)."""
    bid = request.match_info["bid"]

    async def act(post: Posted) -> str:
        must = post.text("moet") == "ja"
        await services(request).next_overleg.set_must_attend(
            post.principal, post.household_id, post.text("overleg"), bid, must
        )
        return BASE.format(id=post.household_id) + f"?gelukt={'moet' if must else 'mag'}#betrokkene-{bid}"

    async def refused(post: Posted, err: ValidationFailed) -> web.Response:
        text = _("Dit lukte niet. Misschien is het overleg verplaatst of al voorbij.")
        return await _list_page(request, post.principal, text)

    return await forms.handle(request, act, refused)


@routes.post(BASE + "/{bid}/agenda-link-stoppen")
async def stop_feed(request: web.Request) -> web.StreamResponse:
    """Stop this betrokkene's calendar link (a leaked one); the person can make a new one later."""
    post = await forms.posted(request)
    bid = request.match_info["bid"]
    stopped = await services(request).calendar_feeds.stop_for(post.principal, post.household_id, bid)
    done = "agenda-gestopt" if stopped else "geen-agenda"
    raise redirect(BASE.format(id=post.household_id) + f"?gelukt={done}#betrokkene-{bid}")
