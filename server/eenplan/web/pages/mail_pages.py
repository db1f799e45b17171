"""De mail van een huishouden (issue 13, item 6), for the regisseur: the outbox with its dead letters and
"Opnieuw proberen", the mail groups and their members, who gets no encrypted mail (and why), and the
addresses that bounce.

The services decide: `MailgroupService.outbox` (asked first) is the regisseur's only, so everyone else gets
the 403 page before anything else is read; `requeue`, `add_group`, `delete_group`, `missing_keys`,
`BounceService.in_household` and `try_again` check again. The outbox holds ids and types only: the page
shows what kind of message went to whom and how it stands, never a subject, a text or a recorded error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from babel.dates import format_date, format_time

from ...domain.errors import ValidationFailed
from ...domain.mailgroup import OutboxItem, OutboxKind, OutboxStatus, group_address
from ...domain.pages import HouseholdPage
from ..keys import services
from . import forms, guard
from .forms import Posted
from .i18n import SOURCE_LANGUAGE, _
from .render import page, redirect

routes = web.RouteTableDef()

BASE = "/huishoudens/{id}/" + HouseholdPage.MAIL.value
ZONE = ZoneInfo("Europe/Amsterdam")
#: how many outbox rows the page shows (newest first)
OUTBOX_ROWS = 100

KIND_TEXTS: dict[OutboxKind, str] = {
    OutboxKind.PLAN_UPDATE: _("Nieuwe versie van het plan"),
    OutboxKind.KEY_EXPIRY: _("Sleutel verloopt bijna"),
    OutboxKind.INVITE: _("Uitnodiging voor een overleg"),
    OutboxKind.NOTICE: _("Melding"),
    OutboxKind.SIGNIN_LINK: _("Link om in te loggen"),
    OutboxKind.JOURNAAL: _("Bericht in het journaal"),
}
STATUS_TEXTS: dict[OutboxStatus, str] = {
    OutboxStatus.QUEUED: _("Wacht op verzenden"),
    OutboxStatus.SENT: _("Verstuurd"),
    OutboxStatus.DEAD: _("Niet bezorgd"),
    OutboxStatus.SKIPPED: _("Niet verstuurd (bewust)"),
}
#: the reasons `MailgroupService.missing_keys` gives, in the pages' words
REASON_TEXTS: dict[str, str] = {
    "geen e-mailadres": _("Heeft geen e-mailadres."),
    "kiest alleen meldingen": _("Wil alleen meldingen, zonder het plan."),
    "geen sleutel": _("Heeft geen sleutel. Krijgt alleen meldingen."),
    "sleutel onbruikbaar (verlopen of ingetrokken)": _("De sleutel is verlopen of ingetrokken."),
    "sleutel verloopt binnen 30 dagen": _("De sleutel verloopt binnen 30 dagen."),
}
DONE_TEXTS: dict[str, str] = {
    "opnieuw": _("Het bericht staat weer klaar om te versturen."),
    "groep": _("De groep is gemaakt."),
    "weg": _("De groep is verwijderd."),
    "adres": _("We sturen weer e-mail naar dit adres."),
}
FIELD_TEXTS: dict[str, str] = {
    "slug": _("Kies een korte naam van kleine letters, cijfers of '-', die nog niet gebruikt is."),
    "name": _("Vul een naam in voor de groep."),
    "members": _("Kies alleen betrokkenen van dit huishouden."),
}


@dataclass(frozen=True)
class OutboxRow:
    """One outbox row as the page shows it: what kind, to whom, how it stands; never its content."""

    id: str
    kind: str
    to: str
    status: str
    dead: bool
    attempts: int
    when: str


def _moment(value: datetime) -> str:
    local = value.astimezone(ZONE)
    day = format_date(local.date(), "EEEE d MMMM y", locale=SOURCE_LANGUAGE)
    return f"{day} {format_time(local.time(), 'HH:mm', locale=SOURCE_LANGUAGE)}"


def _row(item: OutboxItem, names: dict[str, str]) -> OutboxRow:
    return OutboxRow(
        item.id,
        KIND_TEXTS.get(item.kind, item.kind.value),
        names.get(item.recipient_id, _("iemand die geen betrokkene meer is")),
        STATUS_TEXTS.get(item.status, item.status.value),
        item.status is OutboxStatus.DEAD,
        item.attempts,
        _moment(item.sent_at or item.created_at),
    )


async def _render(
    request: web.Request, errors: dict[str, str] | None = None, entered: dict[str, Any] | None = None
) -> web.Response:
    """The mail page; with `errors` (field → Dutch text) the group form comes back with them (422)."""
    household_id, principal = await guard.household(request)
    svc = services(request)
    outbox = await svc.mailgroup.outbox(principal, household_id, None, OUTBOX_ROWS)  # the regisseur's only
    household = await guard.named_household(request, principal, household_id)
    people = await svc.betrokkenen.list(principal, household_id)
    names = {b.id: b.name for b in people}
    code, groups = await svc.mailgroup.groups(principal, household_id)
    lacking = await svc.mailgroup.missing_keys(principal, household_id)  # in name order, like the groups' members
    bounces = await svc.bounces.in_household(principal, household_id)
    rows = [_row(i, names) for i in outbox]
    chosen = set((entered or {}).get("members", ()))
    context = {
        "household": household,
        "base": BASE.format(id=household_id),
        "rows": rows,
        "dead": sum(1 for r in rows if r.dead),
        "default_address": group_address(code, svc.mailgroup.settings.mail_domain),
        "plan_to_everyone": not any(g.plan_updates for g in groups),
        "groups": [
            {
                "id": g.id,
                "name": g.name,
                "address": group_address(code, svc.mailgroup.settings.mail_domain, g.slug),
                "plan_updates": g.plan_updates,
                "members": [names.get(m, _("iemand die geen betrokkene meer is")) for m in g.members],
            }
            for g in groups
        ],
        "people": [(b.id, b.name, b.id in chosen) for b in people],
        "entered": entered or {},
        "missing": [{"name": m["name"], "reason": REASON_TEXTS.get(m["reason"], m["reason"])} for m in lacking],
        "bounces": [
            {
                "id": b.betrokkene_id,
                "name": names.get(b.betrokkene_id, _("iemand die geen betrokkene meer is")),
                "works": b.works,
                "since": format_date(date.fromisoformat(b.last_bounce_on), "EEEE d MMMM y", locale=SOURCE_LANGUAGE),
            }
            for b in bounces
        ],
        "errors": errors or {},
        "notice": DONE_TEXTS.get(request.query.get("gelukt", ""), ""),
    }
    return page(request, "mail.html", context, status=422 if errors else 200)


def _done(request: web.Request, what: str) -> str:
    return BASE.format(id=request.match_info["id"]) + f"?gelukt={what}#melding"


@routes.get(BASE)
async def mail_page(request: web.Request) -> web.Response:
    """De mail: outbox and dead letters, groups, missing keys and bouncing addresses (regisseur)."""
    return await _render(request)


@routes.post(BASE + "/berichten/{oid}/opnieuw")
async def retry(request: web.Request) -> web.Response:
    """Send a dead letter again (MailgroupService.requeue decides who may)."""
    post = await forms.posted(request)
    await services(request).mailgroup.requeue(post.principal, post.household_id, request.match_info["oid"])
    raise redirect(_done(request, "opnieuw"))


@routes.post(BASE + "/groepen")
async def add_group(request: web.Request) -> web.StreamResponse:
    """Make a named group of betrokkenen; with "plan" it gets plan mail instead of everyone."""

    def entered(post: Posted) -> dict[str, Any]:
        return {
            "slug": post.text("slug").strip().lower(),
            "name": post.text("name").strip(),
            "members": tuple(post.form.getall("members", [])),
            "plan_updates": post.form.get("plan_updates") == "ja",
        }

    async def act(post: Posted) -> str:
        group = entered(post)
        if not group["name"]:
            raise ValidationFailed.one("name", "is required")
        await services(request).mailgroup.add_group(
            post.principal,
            post.household_id,
            group["slug"],
            group["name"],
            list(group["members"]),
            group["plan_updates"],
        )
        return _done(request, "groep")

    async def refused(post: Posted, err: ValidationFailed) -> web.Response:
        fields = {p.field for p in err.problems} & set(FIELD_TEXTS) or {"slug"}
        return await _render(request, {f: FIELD_TEXTS[f] for f in fields}, entered(post))

    return await forms.handle(request, act, refused)


@routes.post(BASE + "/groepen/{gid}/verwijderen")
async def delete_group(request: web.Request) -> web.Response:
    """Remove a named group; plan mail then goes to everyone again."""
    post = await forms.posted(request)
    await services(request).mailgroup.delete_group(post.principal, post.household_id, request.match_info["gid"])
    raise redirect(_done(request, "weg"))


@routes.post(BASE + "/adressen/{bid}/opnieuw")
async def try_address_again(request: web.Request) -> web.Response:
    """An address bounced: forget its bounces so mail goes to it again (BounceService.try_again decides)."""
    post = await forms.posted(request)
    await services(request).bounces.try_again(post.principal, post.household_id, request.match_info["bid"])
    raise redirect(_done(request, "adres"))
