"""Mijn gegevens (issue 12, item 7): one's contact details, reachable days, OpenPGP key and mail choice.

The page shows only the caller's own record (`MyDetailsService.view`); each form posts to its own address,
changes one thing in one transaction and redirects back with a confirmation (PRG). Who may change what is
the services' rule: the contact form's use case takes only a phone number and days, so a forged field
(name, role, …) is ignored; a key is pinned for oneself through `MailgroupService.put_key`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from eenplan_crypto.packets import MAX_KEY_CHARS, key_text

from ...domain.betrokkene import WEEKDAYS
from ...domain.errors import ValidationFailed
from ...domain.pages import HouseholdPage
from ...services.my_details import MyDetails
from ..keys import services
from . import forms, guard
from .forms import Posted
from .ground_words import day
from .i18n import _
from .render import page, redirect

AMSTERDAM = ZoneInfo("Europe/Amsterdam")

routes = web.RouteTableDef()

BASE = "/huishoudens/{id}/" + HouseholdPage.GEGEVENS.value
#: a key form's whole body: the key (at most MAX_KEY_CHARS) twice over for the textarea and the file, plus
#: the multipart framing; anything larger is refused before it is read
MAX_KEY_FORM_BYTES = 2 * MAX_KEY_CHARS + 8_192

DAY_LABELS: dict[str, str] = {
    "ma": _("maandag"),
    "di": _("dinsdag"),
    "wo": _("woensdag"),
    "do": _("donderdag"),
    "vr": _("vrijdag"),
    "za": _("zaterdag"),
    "zo": _("zondag"),
}

#: what each confirmation (?gelukt=…) says
DONE_TEXTS: dict[str, str] = {
    "contact": _("Uw telefoonnummer en dagen zijn opgeslagen."),
    "sleutel": _("Uw sleutel is opgeslagen."),
    "verwijderd": _("Uw sleutel is verwijderd. U krijgt nu alleen berichten zonder inhoud."),
    "keuze": _("Uw keuze is opgeslagen."),
    "adres": _("We sturen weer e-mail naar dit adres. Komt die weer niet aan, dan ziet u dat hier."),
    "aangeboden": _("De aangeboden sleutel is opgeslagen. U krijgt het plan nu versleuteld met die sleutel."),
    "genegeerd": _("De aangeboden sleutel wordt niet gebruikt."),
}


def fingerprint_groups(fingerprint: str) -> str:
    """A fingerprint as people compare it: groups of four characters."""
    return " ".join(fingerprint[i : i + 4] for i in range(0, len(fingerprint), 4))


def long_date(moment: datetime) -> str:
    """The day of a moment in Amsterdam, as the pages write it ("maandag 7 december 2026")."""
    return day(moment.astimezone(AMSTERDAM).date())


def _key_error(err: ValidationFailed) -> str:
    """The Dutch text for a key the keyring refused (its own message is English and for developers)."""
    problem = " ".join(p.problem for p in err.problems).lower()
    if "secret" in problem:
        return _("Dit is een geheime sleutel. Stuur alleen uw openbare sleutel.")
    if "expired" in problem or "revoked" in problem:
        return _("Deze sleutel is verlopen of ingetrokken. Maak een nieuwe sleutel of verleng deze.")
    if "at most" in problem or "packets" in problem:
        return _("Deze sleutel is te groot. Exporteer de sleutel zonder handtekeningen van anderen.")
    return _("Dit is geen bruikbare openbare OpenPGP-sleutel. Exporteer uw openbare sleutel en probeer het opnieuw.")


def _field_error(err: ValidationFailed, field: str) -> str:
    """The Dutch text for a contact or choice field the service refused."""
    if field == "phone":
        return _("Vul een telefoonnummer in met cijfers, bijvoorbeeld 06 12345678 of +31 6 12345678.")
    if field == "reachable_days":
        return _("Kies alleen dagen uit de lijst.")
    return _("Kies een van de twee.")


async def _render(
    request: web.Request,
    errors: dict[str, str] | None = None,
    entered: dict[str, Any] | None = None,
    status: int = 422,
) -> web.Response:
    """The page over the caller's own record; with `errors` (field → Dutch text) it answers `status` (422)."""
    household_id, principal = await guard.household(request)
    svc = services(request)
    details: MyDetails = await svc.my_details.view(principal, household_id)
    household = await guard.named_household(request, principal, household_id)
    me = details.me
    key = details.key
    offer = await svc.key_offers.pending(principal, household_id)
    context = {
        "household": household,
        "base": BASE.format(id=household_id),
        "me": me,
        "days": [(d, DAY_LABELS[d], d in (entered or {}).get("days", me.reachable_days)) for d in WEEKDAYS],
        "phone": (entered or {}).get("phone", me.phone or ""),
        "key": key,
        "key_usable": details.key_usable,
        "fingerprint": fingerprint_groups(key.fingerprint) if key else "",
        "expires": long_date(key.expires_at) if key and key.expires_at else "",
        "choice": me.mail_choice.value,
        "gets_plan": details.gets_plan,
        "bounce": await svc.bounces.mine(principal, household_id),
        "offer": offer,
        "offer_fingerprint": fingerprint_groups(offer.fingerprint) if offer else "",
        "offer_date": long_date(offer.offered_at) if offer else "",
        "errors": errors or {},
        "notice": DONE_TEXTS.get(request.query.get("gelukt", ""), ""),
    }
    return page(request, "gegevens.html", context, status=status if errors else 200)


def _done(request: web.Request, what: str) -> str:
    return BASE.format(id=request.match_info["id"]) + f"?gelukt={what}#melding"


@routes.get(BASE)
async def my_details(request: web.Request) -> web.Response:
    """Mijn gegevens: one's own contact details, days, key and mail choice."""
    return await _render(request)


@routes.post(BASE + "/contact")
async def change_contact(request: web.Request) -> web.StreamResponse:
    """Save one's phone number and reachable days (only these: nothing else of the record changes here)."""

    async def act(post: Posted) -> str:
        days = post.form.getall("days", [])
        await services(request).my_details.change_contact(post.principal, post.household_id, post.text("phone"), days)
        return _done(request, "contact")

    async def refused(post: Posted, err: ValidationFailed) -> web.Response:
        field = err.problems[0].field if err.problems else "phone"
        entered = {"phone": post.text("phone"), "days": tuple(post.form.getall("days", []))}
        return await _render(request, {field: _field_error(err, field)}, entered)

    return await forms.handle(request, act, refused)


@routes.post(BASE + "/sleutel")
async def put_key(request: web.Request) -> web.Response:
    """Pin one's own OpenPGP public key: pasted (armored) or a file (armored or binary)."""
    if request.content_length is not None and request.content_length > MAX_KEY_FORM_BYTES:
        # refused before the body is read; the form is shown again (nothing of the upload is kept)
        too_big = {"sleutelbestand": _("Dit bestand is te groot voor een openbare sleutel.")}
        return await _render(request, too_big, status=413)
    post = await forms.posted(request)
    upload = post.raw.get("sleutelbestand")
    pasted = post.text("sleutel").strip()
    data = upload.file.read(MAX_KEY_CHARS + 1) if isinstance(upload, web.FileField) else b""
    field = "sleutelbestand" if data else "sleutel"
    try:
        if not data and not pasted:
            raise ValidationFailed.one(field, "no key given")
        armored = key_text(data, field) if data else pasted
        await services(request).my_details.put_key(post.principal, post.household_id, armored)
    except ValidationFailed as err:
        text = _key_error(err) if (data or pasted) else _("Plak uw openbare sleutel of kies een bestand.")
        return await _render(request, {field: text})  # nothing pasted is shown back (it may be a secret key)
    raise redirect(_done(request, "sleutel"))


@routes.post(BASE + "/sleutel/verwijderen")
async def remove_key(request: web.Request) -> web.Response:
    """Unpin one's own key."""
    post = await forms.posted(request)
    await services(request).my_details.remove_key(post.principal, post.household_id)
    raise redirect(_done(request, "verwijderd"))


@routes.post(BASE + "/post")
async def choose_mail(request: web.Request) -> web.StreamResponse:
    """Save what plan mail brings one: the plan encrypted, or only a notice."""

    async def act(post: Posted) -> str:
        await services(request).my_details.choose_mail(post.principal, post.household_id, post.text("mail_choice"))
        return _done(request, "keuze")

    async def refused(post: Posted, err: ValidationFailed) -> web.Response:
        return await _render(request, {"mail_choice": _field_error(err, "mail_choice")})

    return await forms.handle(request, act, refused)


__all__ = ["fingerprint_groups", "routes"]


@routes.post(BASE + "/adres-opnieuw")
async def try_address_again(request: web.Request) -> web.Response:
    """Mail to one's address bounced: try it again (forget its bounces)."""
    post = await forms.posted(request)
    await services(request).bounces.try_again(post.principal, post.household_id, post.principal.betrokkene_id)
    raise redirect(_done(request, "adres"))


@routes.post(BASE + "/aangeboden-sleutel")
async def offered_key(request: web.Request) -> web.Response:
    """Use, or decline, the key one's mail program offered by mail (Autocrypt)."""
    post = await forms.posted(request)
    offers = services(request).key_offers
    if post.text("keuze") == "gebruiken":
        await offers.accept(post.principal, post.household_id)
        raise redirect(_done(request, "aangeboden"))
    await offers.decline(post.principal, post.household_id)
    raise redirect(_done(request, "genegeerd"))
