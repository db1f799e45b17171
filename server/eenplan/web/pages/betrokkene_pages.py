"""One betrokkene (issue 13 item 3): the regisseur's form to add someone, change their details or remove them,
and a machine token for them (shown once).

Every rule is the services' (`BetrokkeneService`: who may add, change, remove; role fits kind; a jeugdige's
birth date; `TokenService.issue_for`: regisseurs, never for the aanspreekpunt). Form input passes the same body
models as the API (`schemas.parse`), so the page and `POST/PATCH /api/households/{id}/betrokkenen` agree.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ...domain.access import Principal
from ...domain.betrokkene import ROLES_BY_KIND, WEEKDAYS, Betrokkene, Kind, MailChoice, Role
from ...domain.errors import ValidationFailed
from ..keys import services
from ..schemas import BetrokkeneCreate, BetrokkenePatch, parse
from . import forms, guard
from .betrokkenen_pages import BASE, DONE_TEXTS, KEY_REASONS, KIND_LABELS, role_label
from .forms import Posted
from .gegevens_pages import DAY_LABELS, long_date
from .i18n import _
from .render import page

routes = web.RouteTableDef()

FIELDS = ("name", "kind", "role", "relation", "organisation", "email", "phone", "birth_date", "mail_choice")

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


def _entered(post: Posted) -> dict[str, Any]:
    """The form as the body models read it: empty optional fields become null, days a list."""
    data: dict[str, Any] = {name: post.text(name).strip() for name in FIELDS}
    for name in ("email", "phone", "birth_date"):
        data[name] = data[name] or None
    data["mail_choice"] = data["mail_choice"] or MailChoice.PLAN.value
    data["reachable_days"] = post.form.getall("days", [])
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


async def _edit_page(
    request: web.Request,
    principal: Principal,
    found: Betrokkene | None,
    *,
    errors: dict[str, str] | None = None,
    entered: dict[str, Any] | None = None,
    token: Any = None,
) -> web.Response:
    household_id = request.match_info["id"]
    svc = services(request)
    missing = {m["betrokkene_id"]: m["reason"] for m in await svc.mailgroup.missing_keys(principal, household_id)}
    household = await guard.named_household(request, principal, household_id)
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


async def _again(post: Posted, err: ValidationFailed, *, entered: bool = True) -> web.Response:
    """The form again with the refused fields named (422); a change or removal shows the betrokkene too."""
    bid = post.request.match_info.get("bid")
    found = await services(post.request).betrokkenen.get(post.principal, post.household_id, bid) if bid else None
    typed = _entered(post) if entered else None
    return await _edit_page(post.request, post.principal, found, errors=_errors(err), entered=typed)


@routes.get(BASE + "/nieuw")
async def new_form(request: web.Request) -> web.Response:
    """The form for a new betrokkene."""
    household_id, principal = await guard.household(request)
    await services(request).mailgroup.missing_keys(principal, household_id)  # regisseurs only
    return await _edit_page(request, principal, None)


@routes.post(BASE + "/nieuw")
async def add(request: web.Request) -> web.StreamResponse:
    """Record a new betrokkene; a refused field is shown next to it (422)."""

    async def act(post: Posted) -> str:
        body = parse(BetrokkeneCreate, {k: v for k, v in _entered(post).items() if v is not None})
        created = await services(request).betrokkenen.add(post.principal, post.household_id, _fields(body))
        return BASE.format(id=post.household_id) + f"/{created.id}?gelukt=toegevoegd#melding"

    return await forms.handle(request, act, _again)


@routes.get(BASE + "/{bid}")
async def one(request: web.Request) -> web.Response:
    """One betrokkene: the form to change them, to remove them and to issue a machine token."""
    household_id, principal = await guard.household(request)
    found = await services(request).betrokkenen.get(principal, household_id, request.match_info["bid"])
    return await _edit_page(request, principal, found)


@routes.post(BASE + "/{bid}")
async def change(request: web.Request) -> web.StreamResponse:
    """Save changed details (an e-mail address someone else changes waits for the person's confirmation)."""
    bid = request.match_info["bid"]

    async def act(post: Posted) -> str:
        fields = _fields(parse(BetrokkenePatch, _entered(post)))
        updated = await services(request).betrokkenen.update(post.principal, post.household_id, bid, fields)
        waiting = (fields.get("email") or "").lower() != (updated.email or "").lower()
        return BASE.format(id=post.household_id) + f"/{bid}?gelukt={'wacht' if waiting else 'opgeslagen'}#melding"

    return await forms.handle(request, act, _again)


@routes.post(BASE + "/{bid}/verwijderen")
async def remove(request: web.Request) -> web.StreamResponse:
    """End a betrokkene's involvement; their sign-in and tokens stop at once."""

    async def act(post: Posted) -> str:
        await services(request).betrokkenen.remove(post.principal, post.household_id, request.match_info["bid"])
        return BASE.format(id=post.household_id) + "?gelukt=verwijderd#melding"

    async def refused(post: Posted, err: ValidationFailed) -> web.Response:
        return await _again(post, err, entered=False)

    return await forms.handle(request, act, refused)


@routes.post(BASE + "/{bid}/token")
async def issue_token(request: web.Request) -> web.Response:
    """Issue an API token for a machine client acting as this betrokkene; shown once, in this answer only."""
    post = await forms.posted(request)
    bid = request.match_info["bid"]
    svc = services(request)
    issued = await svc.tokens.issue_for(post.principal, post.household_id, bid)
    found = await svc.betrokkenen.get(post.principal, post.household_id, bid)
    response = await _edit_page(request, post.principal, found, token=issued)
    response.headers["Cache-Control"] = "no-store"
    return response
