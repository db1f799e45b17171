"""JSON schemas of the answers `response_schemas` did not yet describe: the overleg planner's slots and status,
answers by mail, the gemeentelijk aanspreekpunt and the klanten's exclusions, the safety status and the
signature, monitoring, the werkbank, the sign-in routes and the service's own (health, readiness, this
document). Each mirrors one handler's or serialiser's answer; `tests/api/test_openapi_responses.py` holds them
to the server's real answers and `test_openapi_coverage.py` fails for a route whose answer has none.
"""

from __future__ import annotations

from ..domain.caseload import Filter, Urgency
from ..domain.household import Phase
from ..domain.monitoring import SMALL
from ..domain.overleg import OverlegType, Partstat
from ..domain.sections import SECTION_KEYS
from .response_schemas import BOOL, DAY, INT, MOMENT, STR, Schema, enum, maybe, obj

#: a binary download (PDF): no JSON, its media type declared with the route
BINARY: Schema = {"type": "string", "format": "binary"}
#: a text download (iCalendar, CSV)
TEXT: Schema = {"type": "string"}
SECTIONS_LIST: Schema = {"type": "array", "items": {"type": "string", "enum": list(SECTION_KEYS)}}
IDS: Schema = {"type": "array", "items": STR}

SLOTS = obj(
    "SlotProposals",
    {
        "earliest": DAY,
        "latest": DAY,
        "slots": {
            "type": "array",
            "items": obj(
                "Slot",
                {"start": MOMENT, "end": MOMENT, "optional_reachable": IDS, "optional_unreachable": IDS},
            ),
        },
    },
)

NEXT_OVERLEG = obj("NextOverleg", {"id": STR, "type": enum(OverlegType), "start": MOMENT})

OVERLEG_STATUS = obj(
    "OverlegPlanningStatus",
    {
        "needs_planning": BOOL,
        "phase": {"type": "integer", "minimum": 1, "maximum": 6},
        "next_overleg": maybe(NEXT_OVERLEG),
    },
)

BY_MAIL = obj(
    "AnswersByMail",
    {
        "answers": {
            "type": "array",
            "items": obj(
                "MailAnswer", {"betrokkene_id": STR, "partstat": enum(Partstat), "signed": BOOL, "received_at": MOMENT}
            ),
        },
        "proposals": {
            "type": "array",
            "items": obj(
                "MailProposal",
                {
                    "id": STR,
                    "betrokkene_id": STR,
                    "start": MOMENT,
                    "end": MOMENT,
                    "signed": BOOL,
                    "received_at": MOMENT,
                },
            ),
        },
    },
)

AANSPREEKPUNT = obj(
    "Aanspreekpunt",
    {
        "gemeente": STR,
        "name": STR,
        "email": STR,
        "fingerprint": STR,
        "algorithm": STR,
        "expires_at": maybe(MOMENT),
    },
)

EXCLUSIONS = obj(
    "AanspreekpuntExclusions",
    {"applies": SECTIONS_LIST, "mine": SECTIONS_LIST},
    optional=("mine",),  # a klant's own list: only for a klant
)

SIGNATURE = obj("Handtekening", {"betrokkene_id": STR, "datum": DAY})

SAFETY_STATUS = obj(
    "SafetyStatus",
    {
        "open_signalen": INT,
        "afsluiten_mogelijk": BOOL,
        "veiligheidsplan": BOOL,
        "handtekening": maybe(SIGNATURE),
        "laatste_voortgangsoverleg": maybe(DAY),
        "opnieuw_tekenen": BOOL,
    },
    # signals for professionals and regisseurs; the signature for who may read the veiligheidsplan
    optional=(
        "open_signalen",
        "afsluiten_mogelijk",
        "veiligheidsplan",
        "handtekening",
        "laatste_voortgangsoverleg",
        "opnieuw_tekenen",
    ),
)

SIGNED = obj("Signed", {"version": INT, "handtekening": SIGNATURE})

#: a published count: 0, at least 5, or "<5"
_CELL: Schema = {"anyOf": [INT, {"type": "string", "enum": [SMALL]}]}


def _cells(title: str, keys: list[str]) -> Schema:
    return obj(title, dict.fromkeys(keys, _CELL))


MONITORING = obj(
    "MonitoringFigures",
    {
        "gemeente": STR,
        "from": DAY,
        "to": DAY,
        "k_anonimiteit": INT,
        "huishoudens_per_fase": _cells("HouseholdsPerPhase", [p.label for p in Phase]),
        "escalaties_geopend_per_stap": _cells("EscalationsOpened", ["1", "2", "3", "4"]),
        "escalaties_opgelost_per_stap": _cells("EscalationsSolved", ["1", "2", "3", "4"]),
        "mediaan_werkdagen_tot_oplossing": maybe({"type": "number"}),
        "achterstallige_stappen": _CELL,
    },
)

_DEADLINE = obj(
    "CaseloadDeadline",
    {"kind": STR, "key": STR, "label": STR, "due": DAY, "overdue": BOOL, "case_id": maybe(STR)},
)
_ROW = obj(
    "CaseloadHousehold",
    {
        "household_id": STR,
        "name": STR,
        "code": STR,
        "phase": {"type": "integer", "minimum": 1, "maximum": 6},
        "phase_name": STR,
        "urgency": enum(Urgency),
        "next_overleg": maybe(NEXT_OVERLEG),
        "needs_overleg": BOOL,
        "deadlines_overdue": {"type": "array", "items": _DEADLINE},
        "deadlines_upcoming": {"type": "array", "items": _DEADLINE},
        "open_signals": INT,
        "consent_waiting": INT,
        "keys_missing": INT,
        "undeliverable": obj("Undeliverable", {"addresses": INT, "dead_letters": INT}),
        "deadlines_met_late": INT,
    },
)
_COUNTS = [f.value for f in Filter] + [
    "deadlines_overdue",
    "deadlines_upcoming",
    "open_signals",
    "consent_waiting",
    "keys_missing",
    "undeliverable",
    "deadlines_met_late",
]
WERKBANK = obj(
    "Caseload",
    {
        "today": DAY,
        "filter": enum(Filter),
        "counts": obj("CaseloadCounts", dict.fromkeys(_COUNTS, INT)),
        "households": {"type": "array", "items": _ROW},
    },
)

SESSION = obj(
    "Session",
    {
        "session": STR,
        "token_type": {"type": "string", "enum": ["Bearer"]},
        "expires_at": MOMENT,
        "idle_timeout_seconds": INT,
        "households": IDS,
        "second_factor": BOOL,
    },
)
LINK_SENT = obj("LinkRequested", {"status": {"type": "string", "enum": ["accepted"]}, "detail": STR})
CONTACT_CONFIRMED = obj("ContactChangeConfirmed", {"status": {"type": "string", "enum": ["confirmed"]}, "field": STR})
QUEUED = obj("Queued", {"status": {"type": "string", "enum": ["queued"]}})

HEALTH = obj("Health", {"status": {"type": "string", "enum": ["ok"]}})
READY = obj("Readiness", {"status": {"type": "string", "enum": ["ready", "unavailable"]}})
OPENAPI_DOCUMENT = obj(
    "OpenApiDocument",
    {"openapi": STR, "info": {"type": "object"}, "paths": {"type": "object"}, "components": {"type": "object"}},
)
