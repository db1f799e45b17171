"""The household's journaal (issue 14 item 6): members write to their group, Schleuder's way.

A message to a group address counts only when it is encrypted to the household's key AND signed by the key
pinned for the betrokkene whose confirmed address sent it, and that betrokkene is a member of the group.
Everything else is refused in the SMTP dialogue (never stored, never forwarded). A taken message is kept as
a journaal message and sent on to each other member of the group: encrypted to a usable key, else as a
content-free notice that leads to the journaal page. Attachments are never kept.

Who reads a message is one rule here (`may_read_journaal`): the members of the group it was written to.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .betrokkene import Betrokkene
from .mailgroup import MailGroup

#: the largest text kept of one message (UTF-8 bytes); the rest is cut off, and the readers are told
MAX_BODY_BYTES = 100_000
#: the longest inner subject kept (characters)
MAX_SUBJECT_CHARS = 200
#: the access-log detail of one journaal message shown or sent (no section of the plan is named)
DETAIL_PREFIX = "journaal:"

#: the SMTP reply to mail the group does not take: how to write securely, Dutch first, on one line
REFUSED = (
    "550 5.7.1 Dit adres neemt alleen antwoorden op uitnodigingen aan, en berichten die versleuteld en"
    " ondertekend zijn. Versleutel uw bericht met de sleutel van het huishouden: die zit in elke mail van"
    " het plan (Autocrypt) en staat op de website. Onderteken het met uw eigen sleutel die bij het plan hoort."
    " Schrijf vanaf uw eigen adres, aan een groep waar u bij hoort. (Only encrypted and signed mail from members.)"
)
#: the subject of every journaal mail (outside the encryption: never the message's own subject)
SUBJECT = "Nieuw bericht in het journaal"
NOTICE_TEXT = (
    "Iemand heeft een bericht geschreven in het journaal van uw plan.\n\n"
    "Wij sturen de inhoud alleen versleuteld per e-mail. Daarom staat de\n"
    "inhoud niet in dit bericht. U kunt het bericht lezen door in te loggen\n"
    "via de link hieronder.\n"
)
CUT_NOTE = "[Het bericht was te lang. De rest is weggelaten.]"
ATTACHMENTS_NOTE = "Dit bericht had bijlagen. Die sturen wij niet door en bewaren wij niet."


class PostOutcome(StrEnum):
    """Why a message to a group was taken or refused (logged by type only)."""

    POSTED = "posted"
    NOT_ENCRYPTED = "not_encrypted"
    NOT_SIGNED = "not_signed"  # unsigned, or signed by a key other than the sender's pinned one
    NOT_MEMBER = "not_member"  # unknown or unconfirmed address, or not in this group
    NO_TEXT = "no_text"


@dataclass(frozen=True)
class Post:
    """What a member's mail holds that the journaal keeps: its text, its inner subject, whether it had files."""

    text: str
    subject: str | None = None
    had_attachments: bool = False


@dataclass(frozen=True)
class JournaalMessage:
    """One message in a household's journaal."""

    id: str
    household_id: str
    group_id: str | None  # None: the household's whole group (everyone with e-mail)
    author_id: str
    received_at: datetime
    text: str
    subject: str | None = None
    had_attachments: bool = False


@dataclass(frozen=True)
class Target:
    """The group a group address names: None for everyone with e-mail, else the named group."""

    group: MailGroup | None

    @property
    def group_id(self) -> str | None:
        """The stored group id (None for the whole household's group)."""
        return self.group.id if self.group is not None else None


def group_members(group: MailGroup | None, members: Iterable[Betrokkene]) -> list[Betrokkene]:
    """The members of a group: every active betrokkene with e-mail, or those of them in the named group."""
    active = [b for b in members if b.active and b.email]
    if group is None:
        return active
    wanted = set(group.members)
    return [b for b in active if b.id in wanted]


def may_read_journaal(viewer_id: str, group: MailGroup | None, members: Iterable[Betrokkene]) -> bool:
    """The one rule of who reads a journaal message: a member of the group it was written to (the author chose
    that audience, as on a mailing list). Someone who left the group no longer reads it."""
    return any(b.id == viewer_id for b in group_members(group, members))


def judge_post(
    *, encrypted: bool, signer: str | None, pinned: str | None, sender_id: str | None, member_ids: Sequence[str]
) -> PostOutcome:
    """Whether a message may be posted: encrypted to the household, from a member of the group (their
    confirmed address), signed by exactly the key pinned for that member."""
    if not encrypted:
        return PostOutcome.NOT_ENCRYPTED
    if sender_id is None or sender_id not in member_ids:
        return PostOutcome.NOT_MEMBER
    if signer is None or pinned is None or signer.upper() != pinned.upper():
        return PostOutcome.NOT_SIGNED
    return PostOutcome.POSTED


def bounded(text: str, max_bytes: int = MAX_BODY_BYTES) -> str:
    """The text cut to `max_bytes` of UTF-8 (on a character boundary), with a note when something was cut."""
    data = text.encode("utf-8")
    if len(data) <= max_bytes:
        return text
    return data[:max_bytes].decode("utf-8", "ignore").rstrip() + "\n\n" + CUT_NOTE


def clean_subject(subject: str | None) -> str | None:
    """An inner subject on one line, bounded; None when empty."""
    if not subject:
        return None
    one_line = " ".join(subject.split())
    return one_line[:MAX_SUBJECT_CHARS] or None


def mail_text(author: str, group_name: str, message: JournaalMessage, link: str) -> str:
    """The (encrypted) text of a journaal message sent on to a member: who wrote it, to which group, the text."""
    lines = [f"{author} schreef in het journaal ({group_name}):"]
    if message.subject:
        lines.append(f"Onderwerp: {message.subject}")
    lines += ["", message.text.rstrip(), ""]
    if message.had_attachments:
        lines += [ATTACHMENTS_NOTE, ""]
    lines += [
        f"U leest alle berichten na inloggen: {link}",
        "Antwoorden kan: versleuteld en ondertekend, aan het adres van de groep.",
        "",
    ]
    return "\n".join(lines)


def detail(message_id: str) -> str:
    """The access-log detail naming one journaal message (its id only)."""
    return f"{DETAIL_PREFIX}{message_id}"
