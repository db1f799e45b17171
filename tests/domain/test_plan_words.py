"""The plan-aware diff in words: names for ids, dates in words, titles of what changed, nothing else."""

from __future__ import annotations

import copy
from datetime import date

from eenplan.domain.diff import diff_plans
from eenplan.domain.plan_words import changes_in_words

NAMES = {"p-joost": "Joost Willems", "p-inge": "Inge Bakker", "p-fatima": "Fatima El Amrani"}
OLD = {
    "algemeen": {"huishouden": "", "adres": "Straat 1", "coordinatie": "", "eerste_afspraken": ["Bellen"]},
    "doelen": [
        {
            "id": "geld",
            "titel": "Overzicht over geld",
            "status": "open",
            "behaald_in_plaats": None,
            "acties": [
                {
                    "id": "budget",
                    "wie": "p-inge",
                    "wat": "Budgetplan opstellen",
                    "start": "2026-12-01",
                    "einde": "2026-12-31",
                    "evaluatie": "",
                }
            ],
        }
    ],
    "voorzieningen": [{"voorziening": "Schuldhulp", "toelichting": "", "status": "gevraagd"}],
    "veiligheidsplan": None,
}


def day(d: date) -> str:
    return f"<{d.isoformat()}>"


def said(old, new) -> dict[str, list[str]]:
    words = changes_in_words(diff_plans(old, new, tuple(old)), NAMES, old, new, day)
    return {w.key: list(w.lines) for w in words}


def test_a_new_owner_and_new_dates_name_the_person_and_the_action():
    new = copy.deepcopy(OLD)
    action = new["doelen"][0]["acties"][0]
    action["wie"], action["einde"], action["start"] = "p-joost", "2027-01-04", "2026-12-07"
    lines = said(OLD, new)["doelen"]
    assert "Joost Willems is nu eigenaar van 'Budgetplan opstellen'." in lines
    assert "Actie 'Budgetplan opstellen' heeft een nieuwe begindatum: <2026-12-07>." in lines
    assert "Actie 'Budgetplan opstellen' heeft een nieuwe einddatum: <2027-01-04>." in lines
    assert not any("p-joost" in line for line in lines)


def test_goals_added_removed_and_changed():
    new = copy.deepcopy(OLD)
    new["doelen"][0]["status"] = "behaald"
    new["doelen"].append(
        {
            "id": "school",
            "titel": "Elke dag naar school",
            "status": "open",
            "behaald_in_plaats": None,
            "acties": [
                {"id": "m", "wie": "p-fatima", "wat": "Mentor bellen", "start": "2026-12-02", "einde": "2026-12-09"}
            ],
        }
    )
    lines = said(OLD, new)["doelen"]
    assert "Het doel 'Overzicht over geld' is nu behaald." in lines
    assert "Nieuw doel: 'Elke dag naar school'." in lines
    assert (
        "Nieuwe actie bij 'Elke dag naar school': 'Mentor bellen'. Fatima El Amrani doet dit, "
        "van <2026-12-02> tot <2026-12-09>."
    ) in lines
    gone = said(new, OLD)["doelen"]
    assert "Het doel 'Elke dag naar school' staat niet meer in het plan." in gone


def test_items_that_change_read_as_one_change_and_fields_say_their_new_text():
    new = copy.deepcopy(OLD)
    new["voorzieningen"][0]["status"] = "toegekend"
    new["voorzieningen"].append({"voorziening": "Kinderopvang", "toelichting": "", "status": "gevraagd"})
    new["algemeen"]["adres"] = "Straat 2"
    new["algemeen"]["eerste_afspraken"] = ["Bellen", "Mailen"]
    lines = said(OLD, new)
    assert lines["voorzieningen"] == [
        "Voorziening 'Schuldhulp' is veranderd. Status: toegekend.",
        "Nieuwe voorziening: 'Kinderopvang'. Status: gevraagd.",
    ]
    assert "Het adres is veranderd. Nu staat er: Straat 2" in lines["algemeen"]
    assert "Eerste afspraken, nieuw: Mailen" in lines["algemeen"]


def test_a_new_veiligheidsplan_and_sections_in_plan_order():
    new = copy.deepcopy(OLD)
    new["veiligheidsplan"] = {"krachten": [], "zorgen": ["x"]}
    new["algemeen"]["coordinatie"] = "Via Sanne"
    words = changes_in_words(diff_plans(OLD, new, tuple(OLD)), NAMES, OLD, new, day)
    assert [w.key for w in words] == ["algemeen", "veiligheidsplan"]
    assert words[1].lines == ("Er is een veiligheidsplan gemaakt.",)
    assert words[0].title == "Algemeen en betrokkenen"


def test_only_what_it_is_handed_is_said():
    """A change list scoped to one section says nothing of the others, even when both views hold them."""
    new = copy.deepcopy(OLD)
    new["algemeen"]["adres"] = "Straat 9"
    new["doelen"][0]["titel"] = "GEHEIM"
    scoped = {k: v for k, v in diff_plans(OLD, new, tuple(OLD)).items() if k == "algemeen"}
    words = changes_in_words(scoped, NAMES, OLD, new, day)
    assert [w.key for w in words] == ["algemeen"] and "GEHEIM" not in repr(words)


def test_a_schaalscore_names_who_gave_it_and_when():
    old = {"veiligheidsplan": {"schaalscores": [], "zorgen": ["a"]}}
    new = {"veiligheidsplan": {"schaalscores": [{"betrokkene_id": "p-fatima", "score": 7, "datum": "2026-12-07"}]}}
    lines = said(old, new)["veiligheidsplan"]
    assert "Nieuwe schaalscore van Fatima El Amrani: 7, op <2026-12-07>." in lines
    assert "Zorgen, weggehaald: a" in lines


def _own_view(plan: dict, me: str) -> dict:
    """The doelen as a reader who sees only their own actions (Level.OWN) sees them."""
    goals = []
    for goal in plan["doelen"]:
        mine = [a for a in goal["acties"] if a["wie"] == me]
        if mine:
            goals.append({**goal, "acties": mine})
    return {"doelen": goals}


def test_a_reader_of_their_own_actions_hears_an_action_leave_them_not_leave_the_plan():
    new = copy.deepcopy(OLD)
    new["doelen"][0]["acties"][0]["wie"] = "p-joost"  # Inge's action goes to Joost
    old_view, new_view = _own_view(OLD, "p-inge"), _own_view(new, "p-inge")
    words = changes_in_words(
        diff_plans(old_view, new_view, ("doelen",)), NAMES, old_view, new_view, day, own=["doelen"]
    )
    lines = [line for w in words for line in w.lines]
    assert lines == ["U doet de actie 'Budgetplan opstellen' niet meer; iemand anders doet die nu."]
    joost_old, joost_new = _own_view(OLD, "p-joost"), _own_view(new, "p-joost")
    words = changes_in_words(
        diff_plans(joost_old, joost_new, ("doelen",)), NAMES, joost_old, joost_new, day, own=["doelen"]
    )
    lines = [line for w in words for line in w.lines]
    assert lines == [
        "U heeft nu een actie bij het doel 'Overzicht over geld': 'Budgetplan opstellen', "
        "van <2026-12-01> tot <2026-12-31>."
    ]
    assert not any("Nieuw doel" in line or "staat niet meer" in line for line in lines)


def test_own_afspraken_that_enter_or_leave_the_view_are_said_as_mine():
    old = {"afspraken": [{"wat": "Post ordenen", "wie": "p-inge", "wanneer": "maandag"}]}
    new = {"afspraken": []}
    gone = changes_in_words(diff_plans(old, new, ("afspraken",)), NAMES, old, new, day, own=["afspraken"])
    assert gone[0].lines == ("U doet de afspraak 'Post ordenen' niet meer; iemand anders doet die nu.",)
    came = changes_in_words(diff_plans(new, old, ("afspraken",)), NAMES, new, old, day, own=["afspraken"])
    assert came[0].lines[0].startswith("U heeft nu een afspraak: 'Post ordenen'.")
