"""Betrokkenen (issue 13 item 3): the regisseur adds, changes and removes the people of a household, sees who
has a usable key, issues a machine token (shown once) and stops someone's calendar link (a leaked one).

Every rule is the services': `BetrokkeneService` (who may add, change, remove; role fits kind; a jeugdige's
birth date), `MailgroupService.missing_keys` (who lacks a usable key; regisseurs only, so the overview is
theirs) and `TokenService.issue_for` (regisseurs; never for the aanspreekpunt). Form input passes the same
body models as the API (`schemas.parse`), so the page and `POST/PATCH /api/households/{id}/betrokkenen` agree.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from multidict import MultiDictProxy

from ...domain.betrokkene import ROLE_LABELS, ROLES_BY_KIND, WEEKDAYS, Betrokkene, Kind, MailChoice, Role
from ...domain.errors import ValidationFailed
from ...domain.pages import HouseholdPage
from ..keys import services
from ..schemas import BetrokkeneCreate, BetrokkenePatch, parse
from . import csrf, guard
from .gegevens_pages import DAY_LABELS, long_date
from .i18n import _
from .keys import WHERE
from .render import page, redirect
from .werkbank_pages import OVERLEG_TEXTS, moment_text

routes = web.RouteTableDef()

BASE = "/huishoudens/{id}/" + HouseholdPage.BETROKKENEN.value
FIELDS = ("name", "kind", "role", "relation", "organisation", "email", "phone", "birth_date", "mail_choice")

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

#: a refused field's Dutch text (the services' own messages are English and for developers)
FIELD_TEXTS: dict[str, str] = {
    "name": _("Vul een naam in (2 tot 200 tekens)."),
    "kind": _("Kies of dit iemand van het gezin, het netwerk of een professional is."),
    "role": _("Kies een rol die past bij de soort betrokkene."),
    "relation": _("Gebruik hier hoogstens 200 tekens."),
    "organisation": _("Gebruik hier hoogstens 200 tekens."),
    "email": _("Vul een geldig e-mailadres in, of laat het leeg. Iedere professional heeft een eigen adres."),
    "phone": _("Vul een telefoonnummer in met cijfers, bijvoorbeeld 06 12345678 of +31 6 12345678."),
    "reachable_days": _("Kies alleen dagen uit de lijst."),
    "birth_date": _("Vul een geboortedatum in die niet in de toekomst ligt. Bij een jongere is die verplicht."),
    "mail_choice": _("Kies een van de twee."),
    "betrokkene": _("Dit kan niet: er moet altijd een regisseur overblijven."),
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


def _text(form: MultiDictProxy[Any], name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _entered(form: MultiDictProxy[Any]) -> dict[str, Any]:
    """The form as the body models read it: empty optional fields become null, days a list."""
    data: dict[str, Any] = {name: _text(form, name) for name in FIELDS}
    for name in ("email", "phone", "birth_date"):
        data[name] = data[name] or None
    data["mail_choice"] = data["mail_choice"] or MailChoice.PLAN.value
    data["reachable_days"] = [v for v in form.getall("days", []) if isinstance(v, str)]
    return data


def _fields(model: BetrokkeneCreate | BetrokkenePatch) -> dict[str, Any]:
    data = model.model_dump()
    data["reachable_days"] = tuple(data.get("reachable_days") or ())
    return data


def _errors(err: ValidationFailed) -> dict[str, str]:
    out: dict[str, str] = {}
    for problem in err.problems:
        field = problem.field.split(".")[0]
        if "at least one regisseur" in problem.problem:
            out.setdefault("betrokkene", FIELD_TEXTS["betrokkene"])
            continue
        out.setdefault(field if field in FIELD_TEXTS else "name", FIELD_TEXTS.get(field, FIELD_TEXTS["name"]))
    return out


def _form_values(found: Betrokkene | None, entered: dict[str, Any] | None) -> dict[str, Any]:
    if entered is not None:
        return {**entered, "birth_date": entered.get("birth_date") or "", "email": entered.get("email") or ""}
    if found is None:
        return {"kind": Kind.NETWERK.value, "mail_choice": MailChoice.PLAN.value, "reachable_days": []}
    return {
        "name": found.name,
        "kind": found.kind.value,
        "role": found.role.value,
        "relation": found.relation,
        "organisation": found.organisation,
        "email": found.email or "",
        "phone": found.phone or "",
        "birth_date": found.birth_date.isoformat() if found.birth_date else "",
        "mail_choice": found.mail_choice.value,
        "reachable_days": list(found.reachable_days),
    }


def _choices() -> dict[str, Any]:
    return {
        "kinds": [(k.value, KIND_LABELS[k]) for k in Kind],
        "roles": [
            (r.value, role_label(r), ", ".join(KIND_LABELS[k] for k in Kind if r in ROLES_BY_KIND[k]))
            for r in Role
            if r is not Role.AANSPREEKPUNT  # added by the escalation to step 4, never by hand
        ],
        "weekdays": [(d, DAY_LABELS[d]) for d in WEEKDAYS],
    }


async def _principal(request: web.Request) -> Any:
    await guard.signed_in(request)
    return await guard.household_principal(request, request.match_info["id"])


async def _household(request: web.Request, principal: Any) -> Any:
    household, _offered = await services(request).households.start(principal, request.match_info["id"])
    request[WHERE] = household.name
    return household


@routes.get(BASE)
async def betrokkenen(request: web.Request) -> web.Response:
    """Everyone in the household, with kind, role, relation, organisation, days, whether their key works and
    whether they must attend the next overleg."""
    return await _list_page(request, await _principal(request))


async def _list_page(request: web.Request, principal: Any, error: str | None = None) -> web.Response:
    household_id = request.match_info["id"]
    svc = services(request)
    missing = {m["betrokkene_id"]: m["reason"] for m in await svc.mailgroup.missing_keys(principal, household_id)}
    people = await svc.betrokkenen.list(principal, household_id)
    coming = await svc.next_overleg.next_for(principal, household_id)
    feeds = await svc.calendar_feeds.holders(principal, household_id)
    household = await _household(request, principal)
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
    form = await csrf.checked_form(request)
    principal = await _principal(request)
    household_id, bid = request.match_info["id"], request.match_info["bid"]
    must = form.get("moet") == "ja"
    try:
        await services(request).next_overleg.set_must_attend(
            principal, household_id, str(form.get("overleg", "")), bid, must
        )
    except ValidationFailed:
        return await _list_page(
            request, principal, _("Dit lukte niet. Misschien is het overleg verplaatst of al voorbij.")
        )
    raise redirect(BASE.format(id=household_id) + f"?gelukt={'moet' if must else 'mag'}#betrokkene-{bid}")


@routes.post(BASE + "/{bid}/agenda-link-stoppen")
async def stop_feed(request: web.Request) -> web.StreamResponse:
    """Stop this betrokkene's calendar link (a leaked one); the person can make a new one later."""
    await csrf.checked_form(request)
    principal = await _principal(request)
    household_id, bid = request.match_info["id"], request.match_info["bid"]
    stopped = await services(request).calendar_feeds.stop_for(principal, household_id, bid)
    done = "agenda-gestopt" if stopped else "geen-agenda"
    raise redirect(BASE.format(id=household_id) + f"?gelukt={done}#betrokkene-{bid}")


async def _edit_page(
    request: web.Request,
    principal: Any,
    found: Betrokkene | None,
    *,
    errors: dict[str, str] | None = None,
    entered: dict[str, Any] | None = None,
    token: Any = None,
) -> web.Response:
    household_id = request.match_info["id"]
    svc = services(request)
    missing = {m["betrokkene_id"]: m["reason"] for m in await svc.mailgroup.missing_keys(principal, household_id)}
    household = await _household(request, principal)
    return page(
        request,
        "betrokkene.html",
        {
            "household": household,
            "base": BASE.format(id=household_id),
            "found": found,
            "values": _form_values(found, entered),
            "errors": errors or {},
            "key_problem": KEY_REASONS.get(missing.get(found.id, ""), missing.get(found.id)) if found else None,
            "token": token,
            "token_expires": long_date(token.expires_at) if token else "",
            "notice": DONE_TEXTS.get(request.query.get("gelukt", ""), ""),
            **_choices(),
        },
        status=422 if errors else 200,
    )


@routes.get(BASE + "/nieuw")
async def new_form(request: web.Request) -> web.Response:
    """The form for a new betrokkene."""
    principal = await _principal(request)
    await services(request).mailgroup.missing_keys(principal, request.match_info["id"])  # regisseurs only
    return await _edit_page(request, principal, None)


@routes.post(BASE + "/nieuw")
async def add(request: web.Request) -> web.StreamResponse:
    """Record a new betrokkene; a refused field is shown next to it (422)."""
    form = await csrf.checked_form(request)
    principal = await _principal(request)
    household_id = request.match_info["id"]
    entered = _entered(form)
    try:
        body = parse(BetrokkeneCreate, {k: v for k, v in entered.items() if v is not None})
        created = await services(request).betrokkenen.add(principal, household_id, _fields(body))
    except ValidationFailed as err:
        return await _edit_page(request, principal, None, errors=_errors(err), entered=entered)
    raise redirect(BASE.format(id=household_id) + f"/{created.id}?gelukt=toegevoegd#melding")


@routes.get(BASE + "/{bid}")
async def one(request: web.Request) -> web.Response:
    """One betrokkene: the form to change them, to remove them and to issue a machine token."""
    principal = await _principal(request)
    svc = services(request)
    found = await svc.betrokkenen.get(principal, request.match_info["id"], request.match_info["bid"])
    return await _edit_page(request, principal, found)


@routes.post(BASE + "/{bid}")
async def change(request: web.Request) -> web.StreamResponse:
    """Save changed details (an e-mail address someone else changes waits for the person's confirmation)."""
    form = await csrf.checked_form(request)
    principal = await _principal(request)
    household_id, bid = request.match_info["id"], request.match_info["bid"]
    svc = services(request)
    entered = _entered(form)
    try:
        body = parse(BetrokkenePatch, entered)
        fields = _fields(body)
        updated = await svc.betrokkenen.update(principal, household_id, bid, fields)
    except ValidationFailed as err:
        found = await svc.betrokkenen.get(principal, household_id, bid)
        return await _edit_page(request, principal, found, errors=_errors(err), entered=entered)
    waiting = (fields.get("email") or "").lower() != (updated.email or "").lower()
    raise redirect(BASE.format(id=household_id) + f"/{bid}?gelukt={'wacht' if waiting else 'opgeslagen'}#melding")


@routes.post(BASE + "/{bid}/verwijderen")
async def remove(request: web.Request) -> web.StreamResponse:
    """End a betrokkene's involvement; their sign-in and tokens stop at once."""
    await csrf.checked_form(request)
    principal = await _principal(request)
    household_id, bid = request.match_info["id"], request.match_info["bid"]
    svc = services(request)
    try:
        await svc.betrokkenen.remove(principal, household_id, bid)
    except ValidationFailed as err:
        found = await svc.betrokkenen.get(principal, household_id, bid)
        return await _edit_page(request, principal, found, errors=_errors(err))
    raise redirect(BASE.format(id=household_id) + "?gelukt=verwijderd#melding")


@routes.post(BASE + "/{bid}/token")
async def issue_token(request: web.Request) -> web.Response:
    """Issue an API token for a machine client acting as this betrokkene; shown once, in this answer only."""
    await csrf.checked_form(request)
    principal = await _principal(request)
    household_id, bid = request.match_info["id"], request.match_info["bid"]
    svc = services(request)
    issued = await svc.tokens.issue_for(principal, household_id, bid)
    found = await svc.betrokkenen.get(principal, household_id, bid)
    response = await _edit_page(request, principal, found, token=issued)
    response.headers["Cache-Control"] = "no-store"
    return response
