"""JSON schemas of the API's answers (households, betrokkenen, consent, overleggen, polls, stagnation, mail),
for the OpenAPI document: what a generated client may rely on. Each mirrors one serialiser (`as_dict`,
`consent_dict`, `overleg_dict`, `poll_dict`, `case_dict`, …); `tests/api/test_openapi_responses.py` holds them
to the server's real answers. The plan's own answers are in `section_schemas`."""

from __future__ import annotations

from typing import Any

from ..domain.betrokkene import Kind, MailChoice, Role
from ..domain.mailgroup import OutboxKind, OutboxStatus
from ..domain.overleg import OverlegStatus, OverlegType, Partstat, Vote

Schema = dict[str, Any]

STR: Schema = {"type": "string"}
INT: Schema = {"type": "integer"}
BOOL: Schema = {"type": "boolean"}
MOMENT: Schema = {"type": "string", "format": "date-time"}
DAY: Schema = {"type": "string", "format": "date"}


def maybe(schema: Schema) -> Schema:
    """The schema, or null."""
    return {"anyOf": [schema, {"type": "null"}]}


def enum(values: Any) -> Schema:
    """A string from an enum's values."""
    return {"type": "string", "enum": [v.value for v in values]}


def obj(title: str, properties: dict[str, Schema], *, optional: tuple[str, ...] = ()) -> Schema:
    """An object with these properties, all present except `optional` (more may be added later)."""
    return {
        "title": title,
        "type": "object",
        "required": [name for name in properties if name not in optional],
        "properties": properties,
    }


def listed(key: str, item: Schema, **extra: Schema) -> Schema:
    """`{key: [item, …]}` (plus `extra` fields), the shape of every list answer."""
    return obj(f"{item.get('title', 'Item')}List", {key: {"type": "array", "items": item}, **extra})


def extended(base: Schema, **extra: Schema) -> Schema:
    """`base` with more fields, all present."""
    return obj(base["title"], {**base["properties"], **extra})


HOUSEHOLD = obj(
    "Household",
    {
        "id": STR,
        "code": STR,
        "name": STR,
        "gemeente": STR,
        "phase": {"type": "integer", "minimum": 1, "maximum": 6},
        "phase_name": STR,
        "current_version": maybe(INT),
        "created_at": MOMENT,
    },
)

BETROKKENE = obj(
    "Betrokkene",
    {
        "id": STR,
        "household_id": STR,
        "name": STR,
        "kind": enum(Kind),
        "role": enum(Role),
        "relation": STR,
        "organisation": STR,
        "email": maybe(STR),
        "phone": maybe(STR),
        "reachable_days": {"type": "array", "items": STR},
        "birth_date": maybe(DAY),
        "created_at": MOMENT,
        "mail_choice": enum(MailChoice),
    },
)
BETROKKENEN = listed("betrokkenen", BETROKKENE)

CONSENT = obj(
    "Consent",
    {
        "id": STR,
        "grantee_id": STR,
        "sections": {"type": "array", "items": STR},
        "level": {"type": "string", "enum": ["read", "write"]},
        "purpose": maybe(STR),
        "until": DAY,
        "about_id": maybe(STR),
        "status": STR,
        "requested_by": maybe(STR),
        "created_at": MOMENT,
        "decided_at": maybe(MOMENT),
        "revoked_at": maybe(MOMENT),
        "revoked_by": maybe(STR),
        "required_consenters": {"type": "array", "items": STR},
        "waiting_for": {"type": "array", "items": STR},
        "approvals": {
            "type": "array",
            "items": obj(
                "Approval",
                {
                    "betrokkene_id": STR,
                    "approved": maybe(BOOL),
                    "wijze": maybe(STR),
                    "at": MOMENT,
                    "confirmed_at": maybe(MOMENT),
                    "schriftelijke_bevestiging_verwacht": maybe(BOOL),
                    "vastgelegd_door": maybe(STR),
                    "formulier_datum": maybe(DAY),
                    "formulier_kenmerk": maybe(STR),
                },
            ),
        },
    },
)
CONSENTS = listed("toestemmingen", CONSENT)

INVITEE = obj("Invitee", {"betrokkene_id": STR, "must_attend": BOOL, "partstat": enum(Partstat)})
OVERLEG = obj(
    "Overleg",
    {
        "id": STR,
        "household_id": STR,
        "type": enum(OverlegType),
        "status": enum(OverlegStatus),
        "start": MOMENT,
        "end": MOMENT,
        "location": maybe(STR),
        "video_link": maybe(STR),
        "chair_id": maybe(STR),
        "minute_taker_id": maybe(STR),
        "invitees": {"type": "array", "items": INVITEE},
        "agenda": maybe(STR),
        "uid": STR,
        "sequence": INT,
        "initiated": maybe(DAY),
        "outside_window_reason": maybe(STR),
        "decisions": maybe(STR),
        "adopted_version": maybe(INT),
        "next_overleg_id": maybe(STR),
        "no_next_reason": maybe(STR),
        "reminder_sent": BOOL,
    },
)
OVERLEGGEN = listed("overleggen", OVERLEG)
OVERLEG_SENT = extended(OVERLEG, invites_queued=INT)

POLL = obj(
    "DatePoll",
    {
        "id": STR,
        "type": enum(OverlegType),
        "open": BOOL,
        "overleg_id": maybe(STR),
        "initiated": maybe(DAY),
        "invitees": {"type": "array", "items": obj("PollInvitee", {"betrokkene_id": STR, "must_attend": BOOL})},
        "options": {
            "type": "array",
            "items": obj(
                "PollOption",
                {
                    "id": STR,
                    "start": MOMENT,
                    "end": MOMENT,
                    "votes": {"type": "object", "additionalProperties": enum(Vote)},
                    "tally": {"type": "object", "additionalProperties": INT},
                },
            ),
        },
    },
)

WINDOW = obj("StartoverlegWindow", {"earliest": DAY, "latest": DAY})

_STEP = obj(
    "CaseStep",
    {
        "step": {"type": "integer", "minimum": 1},
        "who": STR,
        "required_outcome": STR,
        "started_on": DAY,
        "ended_on": maybe(DAY),
        "ended_by": maybe(STR),
        "intern_plan_on": maybe(DAY),
        "gesprek_on": maybe(DAY),
        "acties": maybe(STR),
        "resultaat": maybe(STR),
        "termijn": maybe(DAY),
        "acties_on": maybe(DAY),
        "commitment_on": maybe(DAY),
        "afspraken": maybe(STR),
        "plan_version": maybe(INT),
        "deadlines": {"type": "array", "items": {"type": "object"}},
        "overdue": BOOL,
    },
)
CASE = obj(
    "StagnationCase",
    {
        "id": STR,
        "household_id": STR,
        "doel_id": STR,
        "actie_id": maybe(STR),
        "betrokkene_id": maybe(STR),
        "organisatie": maybe(STR),
        "toelichting": maybe(STR),
        "step": {"type": "integer", "minimum": 1},
        "status": STR,
        "opened_by": maybe(STR),
        "opened_on": DAY,
        "solved_on": maybe(DAY),
        "solved_step": maybe(INT),
        "aanspreekpunt_id": maybe(STR),
        "afgeschaald": BOOL,
        "overdue": BOOL,
        "steps": {"type": "array", "items": _STEP},
    },
)
CASES = listed("cases", CASE, overdue=INT)

OUTBOX_ITEM = obj(
    "OutboxMessage",
    {
        "id": STR,
        "recipient_id": STR,
        "kind": enum(OutboxKind),
        "version": maybe(INT),
        "status": enum(OutboxStatus),
        "attempts": INT,
        "next_attempt_at": MOMENT,
        "created_at": MOMENT,
        "last_error": maybe(STR),
        "message_id": maybe(STR),
    },
)
OUTBOX = listed("messages", OUTBOX_ITEM)

MAIL_GROUP = obj(
    "MailGroup",
    {
        "id": STR,
        "slug": STR,
        "name": STR,
        "plan_updates": BOOL,
        "members": {"type": "array", "items": STR},
        "address": STR,
        "created_at": MOMENT,
    },
)
MAIL_GROUPS = obj(
    "MailGroups",
    {
        "default": obj("DefaultGroup", {"address": STR, "list_id": STR, "plan_updates": BOOL}),
        "groups": {"type": "array", "items": MAIL_GROUP},
    },
)
MISSING_KEYS = listed(
    "betrokkenen",
    obj("MissingKey", {"betrokkene_id": STR, "name": STR, "reason": STR, "fingerprint": maybe(STR)}),
)

PHASES = listed(
    "phases",
    obj(
        "PhaseChange",
        {"from": maybe(INT), "to": INT, "to_name": STR, "at": MOMENT, "by": maybe(STR), "reason": maybe(STR)},
    ),
)

OVERMACHT = obj(
    "Overmacht",
    {
        "id": STR,
        "professional_id": STR,
        "recipient_id": STR,
        "vragen": {"type": "object", "additionalProperties": STR},
        "besluit": STR,
        "sections": {"type": "array", "items": STR},
        "until": DAY,
        "created_at": MOMENT,
    },
)
OVERMACHTEN = listed("overmacht", OVERMACHT)

SIGNAL = obj(
    "SafetySignal",
    {
        "id": STR,
        "soort": STR,
        "phase": INT,
        "raised_by": STR,
        "raised_at": MOMENT,
        "status": STR,
        "resolved_by": maybe(STR),
        "resolved_at": maybe(MOMENT),
        "besluit": maybe(STR),
        "toelichting": STR,
        "afwegingen": maybe({"type": "object", "additionalProperties": STR}),
    },
    optional=("toelichting", "afwegingen"),  # only for who may read the signal's text
)
SIGNALS = listed("signalen", SIGNAL)

PINNED_KEY = obj(
    "PinnedKey",
    {
        "betrokkene_id": STR,
        "fingerprint": STR,
        "algorithm": STR,
        "expires_at": maybe(MOMENT),
        "uploaded_at": MOMENT,
        "uploaded_by": STR,
    },
)
SIGNING_KEY = obj("SigningKey", {"address": STR, "fingerprint": STR, "armored": STR})


def item_result(definition: str) -> Schema:
    """What a one-item plan change answers: the item as it now stands (null once removed), its id, the new
    version (also the ETag) and whether it landed on a newer version than the one it was based on."""
    item = {"$ref": f"#/components/schemas/{definition}"}
    return obj(
        f"{definition}Result",
        {"item": maybe(item), "item_id": STR, "version": {"type": "integer", "minimum": 1}, "merged": BOOL},
    )


DOEL_RESULT = item_result("Doel")
ACTIE_RESULT = item_result("Actie")
AFSPRAAK_RESULT = item_result("Afspraak")

OVERLEG_CLOSED = extended(OVERLEG, warnings={"type": "array", "items": STR}, invites_queued=INT)

TOKEN_ISSUED = obj("IssuedToken", {"betrokkene_id": STR, "token": STR, "jti": STR, "expires_at": MOMENT})

BOUNCES: Schema = {
    "title": "Bounces",
    "type": "array",
    "items": obj("Bounce", {"betrokkene_id": STR, "score": {"type": "number"}, "last_bounce_on": DAY, "works": BOOL}),
}

ACCESS_LOG = listed(
    "entries",
    obj(
        "AccessLogEntry",
        {
            "seq": INT,
            "event": STR,
            "at": MOMENT,
            "actor_id": maybe(STR),
            "on_behalf_of": maybe(STR),
            "sections": {"type": "array", "items": STR},
            "channel": STR,
            "ground": maybe(STR),
            "emergency": BOOL,
            "detail": maybe(STR),
        },
    ),
)

HOUSEHOLD_OPENED = obj("OpenedHousehold", {"household": HOUSEHOLD, "betrokkene": BETROKKENE, "token": maybe(STR)})
#: a person's session lists every household it reaches with who they are there; an API token its one household
REACHED = obj(
    "ReachedHousehold",
    {
        "id": STR,
        "name": STR,
        "gemeente": STR,
        "betrokkene_id": STR,
        "betrokkene_name": STR,
        "kind": STR,
        "role": STR,
        "role_label": STR,
        "chosen": BOOL,
    },
)
HOUSEHOLDS = obj("Households", {"households": {"type": "array", "items": {"anyOf": [HOUSEHOLD, REACHED]}}})
