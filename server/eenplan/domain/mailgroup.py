"""The household mailgroup, as pure rules: who receives mail, addresses, the outbox's states and
backoff, and the Dutch texts of plan-update mail.

Nothing here reads plan content beyond what it is handed: the summary is made
from a diff that was already cut down to the recipient's scope, and it names
only sections and counts, never the content itself.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from .betrokkene import Betrokkene
from .errors import ValidationFailed

#: days before a pinned key's expiry that the betrokkene and the regisseur are warned
EXPIRY_WARNING_DAYS = 30
_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,19}$")


class OutboxKind(StrEnum):
    """What an outbox row sends."""

    PLAN_UPDATE = "plan_update"  # a new plan version (encrypted) or, without a key, a notice
    KEY_EXPIRY = "key_expiry"  # content-free signed warning: a pinned key expires soon
    INVITE = "invite"  # an overleg invite (.ics), agenda text only inside encryption
    NOTICE = "notice"  # content-free signed notice; its neutral subject and text are in the payload
    SIGNIN_LINK = "signin_link"  # a magic sign-in link (a credential, no care content); encrypted when a key exists
    JOURNAAL = "journaal"  # a member's message to a group, sent on: encrypted, or without a key a notice


class OutboxStatus(StrEnum):
    """Where an outbox row stands."""

    QUEUED = "queued"  # waiting (or claimed under a lease by a worker)
    SENT = "sent"  # the SMTP relay answered 250
    DEAD = "dead"  # given up: permanent failure or too many attempts (dead letter)
    SKIPPED = "skipped"  # not sent on purpose: recipient no longer may read it, or has no address


@dataclass(frozen=True)
class OutboxItem:
    """One queued message to one recipient: identifiers only."""

    id: str
    household_id: str
    recipient_id: str
    kind: OutboxKind
    dedupe_key: str
    version: int | None
    group_id: str | None
    status: OutboxStatus
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    last_error: str | None = None
    message_id: str | None = None
    sent_at: datetime | None = None
    payload: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The row as the API shows it (never the payload: it may hold an agenda)."""
        return {
            "id": self.id,
            "recipient_id": self.recipient_id,
            "kind": self.kind.value,
            "version": self.version,
            "status": self.status.value,
            "attempts": self.attempts,
            "next_attempt_at": self.next_attempt_at.isoformat(),
            "created_at": self.created_at.isoformat(),
            "last_error": self.last_error,
            "message_id": self.message_id,
            "sent_at": self.sent_at.isoformat() if self.sent_at else None,
        }


@dataclass(frozen=True)
class PinnedKey:
    """The public key pinned for a betrokkene: the fingerprint is the trust decision."""

    household_id: str
    betrokkene_id: str
    fingerprint: str
    algorithm: str
    expires_at: datetime | None
    uploaded_at: datetime
    uploaded_by: str
    expiry_warned_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        """The key's facts as the API shows them."""
        return {
            "betrokkene_id": self.betrokkene_id,
            "fingerprint": self.fingerprint,
            "algorithm": self.algorithm,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "uploaded_at": self.uploaded_at.isoformat(),
            "uploaded_by": self.uploaded_by,
        }


@dataclass(frozen=True)
class MailGroup:
    """A named subset of a household's betrokkenen (the default group, all with e-mail, is implicit)."""

    id: str
    household_id: str
    slug: str
    name: str
    plan_updates: bool
    members: tuple[str, ...]
    created_at: datetime


def check_slug(slug: str) -> str:
    """A group's short name as used in its address: lower-case letters, digits, '-'."""
    if not isinstance(slug, str) or not _SLUG_RE.match(slug):
        raise ValidationFailed.one("slug", "must be 1-20 lower-case letters, digits or '-'")
    return slug


def list_code(household_code: str) -> str:
    """The household code as it appears in addresses and List-Id ('DEMO-001' → 'demo-001')."""
    code = re.sub(r"[^a-z0-9-]+", "-", household_code.lower()).strip("-")
    return code[:30] or "huishouden"


def group_address(household_code: str, domain: str, slug: str | None = None) -> str:
    """plan-<code>@domain for the default group, plan-<code>-<slug>@domain for a named one."""
    local = f"plan-{list_code(household_code)}" + (f"-{slug}" if slug else "")
    return f"{local}@{domain}"


def plan_update_recipients(
    members: Iterable[Betrokkene], groups: Iterable[MailGroup]
) -> tuple[list[Betrokkene], MailGroup | None]:
    """Who receives a new plan version: the group marked for plan updates, else everyone with e-mail."""
    chosen = next((g for g in groups if g.plan_updates), None)
    active = [b for b in members if b.active and b.email]
    if chosen is None:
        return active, None
    wanted = set(chosen.members)
    return [b for b in active if b.id in wanted], chosen


def backoff_seconds(attempts: int, base: float, cap: float = 3600.0, jitter: float = 0.2) -> float:
    """Delay before retry number `attempts` (1-based): exponential, capped, with a little jitter."""
    delay = min(cap, base * (2.0 ** max(0, attempts - 1)))
    return delay * (1 + random.uniform(-jitter, jitter))


SECTION_TITLES: dict[str, str] = {
    "algemeen": "Algemeen en betrokkenen",
    "krachten_zorgen": "Krachten en zorgen",
    "analyse": "Analyse en gewenst perspectief",
    "doelen": "Doelen en acties",
    "voorzieningen": "Gevraagde voorzieningen",
    "veiligheidsplan": "Veiligheidsplan",
    "afspraken": "Afspraken",
}

_OP_WORDS: dict[str, tuple[str, str]] = {  # op → (singular, plural)
    "goal_added": ("doel toegevoegd", "doelen toegevoegd"),
    "goal_removed": ("doel verwijderd", "doelen verwijderd"),
    "goal_changed": ("doel gewijzigd", "doelen gewijzigd"),
    "action_added": ("actie toegevoegd", "acties toegevoegd"),
    "action_removed": ("actie verwijderd", "acties verwijderd"),
    "action_owner_changed": ("actie naar iemand anders", "acties naar iemand anders"),
    "action_dates_changed": ("datum van een actie gewijzigd", "datums van acties gewijzigd"),
    "action_changed": ("actie gewijzigd", "acties gewijzigd"),
    "item_added": ("onderdeel toegevoegd", "onderdelen toegevoegd"),
    "item_removed": ("onderdeel verwijderd", "onderdelen verwijderd"),
    "field_changed": ("veld gewijzigd", "velden gewijzigd"),
    "section_created": ("onderdeel ingevuld", "onderdelen ingevuld"),
    "section_removed": ("onderdeel leeggemaakt", "onderdelen leeggemaakt"),
}


def summary_lines(diff: Mapping[str, Sequence[Mapping[str, Any]]]) -> list[str]:
    """Dutch lines 'Doelen en acties: 1 doel toegevoegd, 2 acties gewijzigd' from a scoped diff.

    Only section names and counts: the diff is already limited to the
    recipient's sections, and the details themselves are in the attached PDF.
    """
    lines = []
    for key in SECTION_TITLES:
        changes = diff.get(key)
        if not changes:
            continue
        counts = Counter(str(c.get("op", "")) for c in changes)
        parts = []
        for op, n in counts.items():
            one, many = _OP_WORDS.get(op, ("wijziging", "wijzigingen"))
            parts.append(f"{n} {one if n == 1 else many}")
        lines.append(f"- {SECTION_TITLES[key]}: {', '.join(parts)}")
    return lines


def plan_update_subject(version: int) -> str:
    """The subject of a plan-update mail: no care content, only the version number."""
    return f"Plan bijgewerkt — versie {version}"


def plan_update_text(
    version: int, since: int | None, diff: Mapping[str, Sequence[Mapping[str, Any]]], link: str
) -> str:
    """The (encrypted) body text of a plan-update mail, in Dutch; identical for recipients with one view."""
    head = (
        f"Het plan is bijgewerkt naar versie {version}."
        if since is None
        else f"Het plan is bijgewerkt van versie {since} naar versie {version}."
    )
    lines = summary_lines(diff)
    changed = (
        ("Wat er veranderde in de delen die u mag zien:\n" + "\n".join(lines))
        if lines
        else "In de delen van het plan die u mag zien is niets veranderd."
    )
    return (
        f"{head}\n\n{changed}\n\nIn de bijlage staat het plan zoals u het mag zien (PDF).\n"
        f"U kunt het plan ook bekijken na inloggen: {link}\n\n"
        "Dit bericht is automatisch verstuurd; beantwoorden is niet nodig.\n"
    )


KEY_EXPIRY_TEXT = (
    "Een OpenPGP-sleutel die bij het plan hoort verloopt binnen {days} dagen.\n\n"
    "Zonder geldige sleutel ontvangt de eigenaar het plan niet meer versleuteld\n"
    "per e-mail. Verleng de sleutel of lever een nieuwe in na inloggen via de\n"
    "link hieronder.\n"
)

SIGNIN_LINK_TEXT = (
    "U wilt inloggen bij eenplan. Klik op de link hieronder.\n"
    "U ziet dan een knop 'Inloggen'. Klik op die knop.\n\n"
    "De link werkt 10 minuten en maar één keer.\n"
    "Heeft u dit niet gevraagd? Dan hoeft u niets te doen.\n"
)
