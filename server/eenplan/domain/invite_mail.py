"""What the mail around an overleg's iTIP message says: an invitation, a cancelled overleg, or being
taken off the list — each with its own subject and text, Dutch at B1 level.

Subjects never hold content (no date, place, household or name): they travel in cleartext on every mail
path. The agenda goes only into an encrypted body; a cleartext notice holds the reduced .ics (organizer
and recipient only, no place) that `services.overleg_invites` built for it, never the full one.
"""

from __future__ import annotations

import base64
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
    "\nWaar het overleg is, wie er komen en wat er besproken wordt, sturen wij alleen\n"
    "versleuteld. Omdat er (nog) geen bruikbare OpenPGP-sleutel van u bekend is, ziet u dat\n"
    "na inloggen via de link hieronder.\n"
)


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


def invite_mail(payload: Mapping[str, Any], *, encrypted: bool, agenda: str = "") -> InviteMail:
    """The mail for an outbox invite row's payload: encrypted (full .ics, agenda if given) or a cleartext
    notice (the reduced .ics only; a row queued without one gets no calendar part rather than the full one)."""
    method = str(payload.get("method") or "REQUEST")
    kind = invite_kind(method, bool(payload.get("uninvited")))
    raw = payload.get("ics" if encrypted else "ics_clear")
    calendar = base64.b64decode(raw) if isinstance(raw, str) and raw else None
    text = _OPENING[kind] + (_CALENDAR[kind] if calendar is not None else "")
    if encrypted and agenda.strip() and kind is InviteKind.REQUEST:
        text += f"\nAgenda van het overleg:\n{agenda.strip()}\n"
    if not encrypted and kind is InviteKind.REQUEST:
        text += _NO_KEY
    return InviteMail(SUBJECTS[kind], text, calendar, method)
