"""What the mail around an overleg's iTIP message says: an invitation, a cancelled overleg, or being
taken off the list — each with its own subject and text, Dutch at B1 level.

Subjects never hold content (no date, place, household or name): they travel in cleartext on every mail
path. The agenda goes only into an encrypted body; a cleartext notice holds the reduced .ics (organizer
and recipient only, no place) that `services.overleg_invites` built for it, never the full one.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class InviteKind(StrEnum):
    """Which iTIP message a mail carries."""

    REQUEST = "request"  # a new or changed overleg (METHOD:REQUEST)
    CANCEL = "cancel"  # the overleg is called off (METHOD:CANCEL, STATUS:CANCELLED)
    UNINVITE = "uninvite"  # this person no longer takes part; the overleg goes on (METHOD:CANCEL, no STATUS)


SUBJECTS = {
    InviteKind.REQUEST: "Uitnodiging voor een overleg",
    InviteKind.CANCEL: "Overleg gaat niet door",
    InviteKind.UNINVITE: "U bent niet meer uitgenodigd voor een overleg",
}

_OPENING = {
    InviteKind.REQUEST: "U bent uitgenodigd voor een overleg over het plan waar u bij betrokken bent.\n",
    InviteKind.CANCEL: (
        "Het overleg over het plan waar u bij betrokken bent, gaat niet door.\n"
        "Het is afgezegd voor iedereen die was uitgenodigd.\n"
    ),
    InviteKind.UNINVITE: (
        "U bent niet meer uitgenodigd voor een overleg over het plan waar u bij betrokken bent.\n"
        "Het overleg zelf gaat wel door, maar zonder u.\n"
    ),
}

_REMOVED = "\nMet het bestand in dit bericht haalt uw agenda het overleg weg. U hoeft verder niets te doen.\n"
_CALENDAR = {
    InviteKind.REQUEST: (
        "\nDe uitnodiging voor uw agenda zit in dit bericht. Wilt u laten weten of u komt?\n"
        "Dat kan in uw agenda of op de pagina van het overleg.\n"
    ),
    InviteKind.CANCEL: _REMOVED,
    InviteKind.UNINVITE: _REMOVED,
}

_NO_KEY = (
    "\nWij sturen de inhoud niet in een gewone e-mail: waar het overleg is, wie er komen\n"
    "en wat er besproken wordt. Log in via de link hieronder om het te lezen.\n"
)
_UID = re.compile(r"^UID:([A-Za-z0-9-]{1,64})@", re.MULTILINE)


@dataclass(frozen=True)
class InviteMail:
    """One invite mail as the outbox sends it: subject, text (with the agenda when it may go), and the
    calendar part (None: none fits this mail) with its iTIP method."""

    subject: str
    text: str
    calendar: bytes | None
    method: str


def invite_kind(method: str, uninvited: bool) -> InviteKind:
    """The kind of message: a CANCEL to people taken off the list is an uninvite, else a cancelled overleg."""
    if method == "CANCEL":
        return InviteKind.UNINVITE if uninvited else InviteKind.CANCEL
    return InviteKind.REQUEST


def invite_overleg_id(payload: Mapping[str, Any]) -> str | None:
    """The overleg an invite row is about (its UID is <overleg id>@DOMAIN), so the mail links to the overleg's
    own page; None when the row's .ics names none."""
    raw = payload.get("ics")
    if not isinstance(raw, str) or not raw:
        return None
    try:
        ics = base64.b64decode(raw).decode("utf-8", "replace")
    except ValueError:
        return None
    found = _UID.search(ics.replace("\r\n ", "").replace("\r\n\t", ""))
    return found.group(1) if found else None


def invite_mail(payload: Mapping[str, Any], *, encrypted: bool, agenda: str = "", link: str = "") -> InviteMail:
    """The mail for an outbox invite row's payload: encrypted (full .ics, agenda if given) or a cleartext
    notice (the reduced .ics only; a row queued without one gets no calendar part rather than the full one).
    `link`: the overleg's page, written into an encrypted mail (a cleartext notice carries it below its text)."""
    method = str(payload.get("method") or "REQUEST")
    kind = invite_kind(method, bool(payload.get("uninvited")))
    raw = payload.get("ics" if encrypted else "ics_clear")
    calendar = base64.b64decode(raw) if isinstance(raw, str) and raw else None
    text = _OPENING[kind] + (_CALENDAR[kind] if calendar is not None else "")
    if encrypted and agenda.strip() and kind is InviteKind.REQUEST:
        text += f"\nAgenda van het overleg:\n{agenda.strip()}\n"
    if not encrypted and kind is InviteKind.REQUEST:
        text += _NO_KEY
    if encrypted and link and kind is InviteKind.REQUEST:
        text += f"\nDe pagina van het overleg:\n{link}\n"
    return InviteMail(SUBJECTS[kind], text, calendar, method)
