"""The plan-aware diff in words: Dutch (B1) sentences with names, for the people the plan is about.

Pure: it reads only the change list it is handed (already cut to what the reader may see, by
`PlanService.diff`), the reader's scoped view of both versions (for the titles of goals and actions that
changes name by id) and a map of betrokkene ids to names. Dates are formatted by the caller's `day`
function, so this module needs no locale library.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from .diff import Change
from .mailgroup import SECTION_TITLES
from .sections import SECTION_KEYS

Day = Callable[[date], str]

#: the sections as the pages, the mail and the PDF name them
SECTION_NAMES: Mapping[str, str] = SECTION_TITLES
FIELD_NAMES: dict[str, str] = {
    "huishouden": "Het huishouden",
    "adres": "Het adres",
    "coordinatie": "De coördinatie",
    "eerste_afspraken": "Eerste afspraken",
    "analyse": "De analyse",
    "gewenst_perspectief": "Het gewenst perspectief",
    "krachten": "Krachten",
    "zorgen": "Zorgen",
    "complicerende_factoren": "Complicerende factoren",
    "schaalscores": "Schaalscores",
    "veiligheidsafspraken": "Veiligheidsafspraken",
    "doelencheck": "De doelencheck",
    "handtekening": "De handtekening",
}
LEEFGEBIED_NAMES: dict[str, str] = {
    "werk": "werk",
    "inkomen_financien": "inkomen en financiën",
    "sociale_steun": "sociale steun",
    "wonen": "wonen",
    "onderwijs": "onderwijs",
    "jeugdzorg_zorg": "jeugdzorg en zorg",
    "veiligheid": "veiligheid",
    "gezondheid": "gezondheid",
    "overig": "overig",
}
GOAL_STATUS_NAMES: dict[str, str] = {"open": "nog bezig", "behaald": "behaald", "niet_behaald": "niet behaald"}
SERVICE_STATUS_NAMES: dict[str, str] = {"gevraagd": "gevraagd", "toegekend": "toegekend", "afgewezen": "afgewezen"}
SOMEONE = "iemand"


@dataclass(frozen=True)
class SectionWords:
    """The sentences about one section's changes."""

    key: str
    title: str
    lines: tuple[str, ...]


def as_day(value: Any) -> date | None:
    """A stored ISO date (or a date) as a date; None when it is not one."""
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


class _Speaker:
    """Turns changes into sentences for one reader: their names, their view of both versions, their dates."""

    def __init__(
        self,
        names: Mapping[str, str],
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        day: Day,
        own: Iterable[str] = (),
    ) -> None:
        self.names = names
        self.day = day
        self.own = frozenset(own)  # sections the reader sees only their own part of
        self.goals: dict[str, str] = {}
        self.actions: dict[str, str] = {}
        #: the reader's actions of each goal in the older version (an own goal that left their view: its actions)
        self.old_actions: dict[str, list[str]] = {
            str(goal.get("id")): [str(a.get("wat", "")) for a in goal.get("acties") or []]
            for goal in old.get("doelen") or []
        }
        for view in (old, new):  # the newer title wins: it is the one the reader sees now
            for goal in view.get("doelen") or []:
                self.goals[str(goal.get("id"))] = str(goal.get("titel", ""))
                for action in goal.get("acties") or []:
                    self.actions[str(action.get("id"))] = str(action.get("wat", ""))

    def who(self, betrokkene_id: Any) -> str:
        return self.names.get(str(betrokkene_id), SOMEONE) if betrokkene_id else SOMEONE

    def when(self, value: Any) -> str:
        day = as_day(value)
        return self.day(day) if day is not None else str(value or "")

    def action(self, change: Change) -> str:
        action = change.get("action")
        if isinstance(action, Mapping) and action.get("wat"):
            return str(action["wat"])
        return self.actions.get(str(change.get("action_id")), "een actie")

    def goal(self, change: Change) -> str:
        return self.goals.get(str(change.get("goal_id")), str(change.get("titel") or "een doel"))

    def new_action(self, action: Mapping[str, Any], goal: str) -> str:
        text = f"Nieuwe actie bij '{goal}': '{action.get('wat', '')}'. {self.who(action.get('wie'))} doet dit"
        if action.get("start") and action.get("einde"):
            text += f", van {self.when(action['start'])} tot {self.when(action['einde'])}"
        text += "."
        if action.get("evaluatie"):
            text += f" Evaluatie: {action['evaluatie']}."
        return text

    def own_action_added(self, action: Mapping[str, Any], goal: str) -> str:
        text = f"U heeft nu een actie bij het doel '{goal}': '{action.get('wat', '')}'"
        if action.get("start") and action.get("einde"):
            text += f", van {self.when(action['start'])} tot {self.when(action['einde'])}"
        return text + "."

    @staticmethod
    def own_gone(noun: str, what: str) -> str:
        return f"U doet {noun} '{what}' niet meer; iemand anders doet die nu."

    def own_doelen(self, change: Change) -> list[str] | None:
        """A reader who sees only their own actions: what enters or leaves their view is theirs or no longer
        theirs, not new or removed from the plan (None: a change to say as for everyone)."""
        op = change["op"]
        if op == "goal_added":
            goal = change.get("goal") or {}
            return [self.own_action_added(a, str(goal.get("titel", ""))) for a in goal.get("acties") or []]
        if op == "goal_removed":
            actions = self.old_actions.get(str(change.get("goal_id"))) or []
            return [self.own_gone("de actie", wat) for wat in actions] or [
                f"U heeft geen actie meer bij het doel '{change.get('titel') or self.goal(change)}'."
            ]
        if op == "action_added":
            return [self.own_action_added(change.get("action") or {}, self.goal(change))]
        if op == "action_removed":
            return [self.own_gone("de actie", self.action(change))]
        return None

    # -- doelen ---------------------------------------------------------------------------------------
    def doelen(self, change: Change) -> list[str]:
        if "doelen" in self.own:
            own = self.own_doelen(change)
            if own is not None:
                return own
        op = change["op"]
        if op == "goal_added":
            goal = change.get("goal") or {}
            titel = str(goal.get("titel", ""))
            return [f"Nieuw doel: '{titel}'.", *(self.new_action(a, titel) for a in goal.get("acties") or [])]
        if op == "goal_removed":
            return [f"Het doel '{change.get('titel') or self.goal(change)}' staat niet meer in het plan."]
        if op == "goal_changed":
            field, to = change.get("field"), change.get("to")
            if field == "titel":
                return [f"Het doel '{change.get('from')}' heet nu '{to}'."]
            if field == "status":
                return [f"Het doel '{self.goal(change)}' is nu {GOAL_STATUS_NAMES.get(str(to), str(to))}."]
            if to:
                return [f"Bij het doel '{self.goal(change)}' is dit in plaats daarvan bereikt: {to}"]
            return [f"Bij het doel '{self.goal(change)}' staat niet meer wat in plaats daarvan is bereikt."]
        if op == "action_added":
            return [self.new_action(change.get("action") or {}, self.goal(change))]
        if op == "action_removed":
            return [f"De actie '{self.action(change)}' staat niet meer in het plan."]
        if op == "action_owner_changed":
            return [f"{self.who(change.get('to'))} is nu eigenaar van '{self.action(change)}'."]
        if op == "action_dates_changed":
            which = "begindatum" if change.get("field") == "start" else "einddatum"
            return [f"Actie '{self.action(change)}' heeft een nieuwe {which}: {self.when(change.get('to'))}."]
        if op == "action_changed":
            if change.get("field") == "wat":
                return [f"De actie '{change.get('from')}' heet nu '{change.get('to')}'."]
            return [f"Actie '{self.action(change)}' heeft een nieuwe evaluatie: {change.get('to') or '(leeg)'}."]
        return ["Er is iets veranderd bij de doelen."]

    # -- lists of items ---------------------------------------------------------------------------------
    def label(self, key: str, item: Mapping[str, Any]) -> str:
        if key == "krachten_zorgen":
            area = LEEFGEBIED_NAMES.get(str(item.get("leefgebied")), str(item.get("leefgebied", "")))
            about = item.get("betrokkene_id")
            return f"{area} ({self.who(about)})" if about else area
        if key == "voorzieningen":
            return f"'{item.get('voorziening', '')}'"
        return f"'{item.get('wat', '')}'"

    def details(self, key: str, item: Mapping[str, Any]) -> str:
        if key == "krachten_zorgen":
            parts = []
            if item.get("krachten"):
                parts.append("Krachten: " + "; ".join(str(x) for x in item["krachten"]) + ".")
            if item.get("zorgen"):
                parts.append("Zorgen: " + "; ".join(str(x) for x in item["zorgen"]) + ".")
            return " ".join(parts)
        if key == "voorzieningen":
            status = SERVICE_STATUS_NAMES.get(str(item.get("status")), str(item.get("status", "")))
            text = f"Status: {status}."
            return text + (f" {item['toelichting']}" if item.get("toelichting") else "")
        parts = []
        if item.get("wie"):
            parts.append(f"Wie: {self.who(item['wie'])}.")
        if item.get("wanneer"):
            parts.append(f"Wanneer: {item['wanneer']}.")
        return " ".join(parts)

    def items(self, key: str, changes: Sequence[Change]) -> list[str]:
        """Items added and removed; a removed and an added item with the same identity read as one change."""
        added = [c["item"] for c in changes if c["op"] == "item_added" and isinstance(c.get("item"), Mapping)]
        removed = [c["item"] for c in changes if c["op"] == "item_removed" and isinstance(c.get("item"), Mapping)]
        lines: list[str] = []
        noun = {"krachten_zorgen": "Krachten en zorgen over", "voorzieningen": "Voorziening"}.get(key, "Afspraak")
        own = key in self.own  # only the reader's own items: they entered or left the reader's view
        for item in added:
            label = self.label(key, item)
            twin = next((r for r in removed if self.label(key, r) == label), None)
            if twin is not None:
                removed.remove(twin)
                lines.append(f"{noun} {label} is veranderd. {self.details(key, item)}".strip())
            elif own:
                lines.append(f"U heeft nu een afspraak: {label}. {self.details(key, item)}".strip())
            else:
                new = {"krachten_zorgen": "Nieuw bij krachten en zorgen:", "voorzieningen": "Nieuwe voorziening:"}
                lines.append(f"{new.get(key, 'Nieuwe afspraak:')} {label}. {self.details(key, item)}".strip())
        if own:
            lines += [self.own_gone("de afspraak", str(item.get("wat", ""))) for item in removed]
        else:
            lines += [f"{noun} {self.label(key, item)} staat niet meer in het plan." for item in removed]
        others = [c for c in changes if c["op"] not in ("item_added", "item_removed")]
        return lines + [line for c in others for line in self.fields(key, c)]

    # -- fields of algemeen, analyse, veiligheidsplan ------------------------------------------------------
    def fields(self, key: str, change: Change) -> list[str]:
        op = change["op"]
        if op == "section_created":
            return [f"Er is een {SECTION_NAMES.get(key, key).lower()} gemaakt."]
        if op == "section_removed":
            return [f"Het {SECTION_NAMES.get(key, key).lower()} staat niet meer in het plan."]
        if op != "field_changed":
            return [f"Er is iets veranderd bij {SECTION_NAMES.get(key, key).lower()}."]
        field = str(change.get("field"))
        name = FIELD_NAMES.get(field, field.replace("_", " ").capitalize())
        old, new = change.get("from"), change.get("to")
        if field == "handtekening":
            if isinstance(new, Mapping):
                return [
                    f"{self.who(new.get('betrokkene_id'))} heeft het veiligheidsplan ondertekend op "
                    f"{self.when(new.get('datum'))}."
                ]
            return ["De handtekening onder het veiligheidsplan is weggehaald."]
        if isinstance(old, list) or isinstance(new, list):
            return self.list_field(field, name, old or [], new or [])
        if not new:
            return [f"{name} is leeggemaakt."]
        if not old:
            return [f"{name} is ingevuld: {new}"]
        return [f"{name} is veranderd. Nu staat er: {new}"]

    def list_field(self, field: str, name: str, old: list[Any], new: list[Any]) -> list[str]:
        """Items of a list field added (in the new order), then removed; a schaalscore with its person and day."""
        added = [self.list_item(field, name, item, added=True) for item in new if item not in old]
        removed = [self.list_item(field, name, item, added=False) for item in old if item not in new]
        return added + removed or [f"{name}: de volgorde is veranderd."]

    def list_item(self, field: str, name: str, item: Any, *, added: bool) -> str:
        if isinstance(item, Mapping) and field == "schaalscores":
            who, when = self.who(item.get("betrokkene_id")), self.when(item.get("datum"))
            if added:
                return f"Nieuwe schaalscore van {who}: {item.get('score')}, op {when}."
            return f"De schaalscore van {who} van {when} staat niet meer in het plan."
        return f"{name}, {'nieuw' if added else 'weggehaald'}: {_plain(item)}"


def _plain(value: Any) -> str:
    if isinstance(value, Mapping):
        return ", ".join(str(v) for v in value.values() if v not in (None, "", []))
    return str(value)


def section_words(key: str, changes: Sequence[Change], speaker: _Speaker) -> list[str]:
    """The sentences for one section's changes, in the order the changes come."""
    if key == "doelen":
        return [line for change in changes for line in speaker.doelen(change)]
    if any(c["op"] in ("item_added", "item_removed") for c in changes):
        return speaker.items(key, changes)
    return [line for change in changes for line in speaker.fields(key, change)]


def changes_in_words(
    changes: Mapping[str, Sequence[Change]],
    names: Mapping[str, str],
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    day: Day,
    sections: Iterable[str] = SECTION_KEYS,
    own: Iterable[str] = (),
) -> list[SectionWords]:
    """Per changed section (in plan order), the changes as sentences with names and dates in words.

    `changes` is a scoped diff (section key → changes, as `domain.diff` makes them); `old` and `new` are
    the reader's scoped view of both versions (parsed sections; only titles of goals and actions are used);
    `names` maps betrokkene ids to names; `own` names the sections the reader sees only their own part of
    (Level.OWN), where what enters or leaves their view is said as theirs or no longer theirs. Nothing outside
    what it is handed is ever said."""
    speaker = _Speaker(names, old, new, day, own)
    result = []
    for key in sections:
        items = changes.get(key)
        if items:
            result.append(SectionWords(key, SECTION_NAMES.get(key, key), tuple(section_words(key, items, speaker))))
    return result
