"""Pure domain rules: section structure, merge rule, plan-aware diff, phases."""

from __future__ import annotations

import pytest

from eenplan.domain.diff import diff_plans, summarise
from eenplan.domain.errors import Conflict, PreconditionFailed, ValidationFailed
from eenplan.domain.household import Phase, check_code, check_transition
from eenplan.domain.sections import SECTION_KEYS, empty_plan
from eenplan.domain.validation import check_identities_and_references, validate_sections
from eenplan.domain.versions import changed_since, check_merge


def test_section_keys_are_the_fixed_seven():
    assert SECTION_KEYS == (
        "algemeen",
        "krachten_zorgen",
        "analyse",
        "doelen",
        "voorzieningen",
        "veiligheidsplan",
        "afspraken",
    )
    assert set(empty_plan()) == set(SECTION_KEYS)


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"analyse": {"analyse": 5}}, "analyse.analyse"),
        ({"analyse": {"typo": "x"}}, "analyse.typo"),
        ({"doelen": [{"titel": ""}]}, "doelen[0].titel"),
        ({"doelen": [{"titel": "x", "status": "klaar"}]}, "doelen[0].status"),
        ({"krachten_zorgen": [{"leefgebied": "ruimtevaart"}]}, "krachten_zorgen[0].leefgebied"),
        (
            {"veiligheidsplan": {"schaalscores": [{"betrokkene_id": "a", "score": 11, "datum": "2026-01-01"}]}},
            "veiligheidsplan.schaalscores[0].score",
        ),
        ({"voorzieningen": {"voorziening": "x"}}, "voorzieningen"),
        (
            {
                "doelen": [
                    {"titel": "x", "acties": [{"wie": "a", "wat": "b", "start": "2026-13-01", "einde": "2026-12-01"}]}
                ]
            },
            "doelen[0].acties[0].start",
        ),
    ],
)
def test_invalid_sections_name_the_field(changes, field):
    with pytest.raises(ValidationFailed) as err:
        validate_sections(changes)
    assert field in [p.field for p in err.value.problems]


def test_empty_change_and_non_object_are_refused():
    for bad in ({}, [], "x"):
        with pytest.raises(ValidationFailed) as err:
            validate_sections(bad)
        assert err.value.problems[0].field == "body"


def test_duplicate_ids_and_unknown_people_are_refused():
    sections = validate_sections(
        {
            "doelen": [
                {
                    "id": "a",
                    "titel": "x",
                    "acties": [{"id": "z", "wie": "p1", "wat": "w", "start": "2026-01-01", "einde": "2026-01-02"}],
                },
                {
                    "id": "a",
                    "titel": "y",
                    "acties": [{"id": "z", "wie": "p9", "wat": "w", "start": "2026-01-01", "einde": "2026-01-02"}],
                },
            ]
        }
    )
    with pytest.raises(ValidationFailed) as err:
        check_identities_and_references(sections, ["p1"])
    fields = {p.field for p in err.value.problems}
    assert fields == {"doelen[1].id", "doelen[1].acties[0].id", "doelen[1].acties[0].wie"}


def test_merge_rule():
    base = {"analyse": "h1", "doelen": "h2"}
    current = {"analyse": "h1", "doelen": "h3"}
    assert changed_since(base, current) == {"doelen"}
    check_merge(base=2, current=5, touched={"analyse"}, changed={"doelen"})
    with pytest.raises(Conflict) as err:
        check_merge(base=2, current=5, touched={"analyse", "doelen"}, changed={"doelen"})
    assert err.value.extra["conflicting_sections"] == ["doelen"]
    with pytest.raises(PreconditionFailed):
        check_merge(base=6, current=5, touched={"analyse"}, changed=set())


def test_diff_reports_in_plan_terms_and_summary_has_no_content():
    old = {
        "doelen": [
            {
                "id": "g",
                "titel": "Geheim doel",
                "status": "open",
                "behaald_in_plaats": None,
                "acties": [
                    {
                        "id": "a",
                        "wie": "p1",
                        "wat": "Geheime actie",
                        "start": "2026-01-01",
                        "einde": "2026-02-01",
                        "evaluatie": "",
                    }
                ],
            }
        ],
        "voorzieningen": [{"voorziening": "A"}],
        "analyse": {"analyse": "oud"},
    }
    new = {
        "doelen": [
            {
                "id": "g",
                "titel": "Geheim doel",
                "status": "behaald",
                "behaald_in_plaats": None,
                "acties": [
                    {
                        "id": "a",
                        "wie": "p2",
                        "wat": "Geheime actie",
                        "start": "2026-01-01",
                        "einde": "2026-03-01",
                        "evaluatie": "",
                    }
                ],
            }
        ],
        "voorzieningen": [{"voorziening": "B"}],
        "analyse": {"analyse": "nieuw"},
    }
    diff = diff_plans(old, new)
    ops = {c["op"] for c in diff["doelen"]}
    assert ops == {"goal_changed", "action_owner_changed", "action_dates_changed"}
    assert [c["op"] for c in diff["voorzieningen"]] == ["item_removed", "item_added"]
    assert diff["analyse"] == [{"op": "field_changed", "field": "analyse", "from": "oud", "to": "nieuw"}]
    summary = summarise(diff)
    assert "doelen" in summary and "Geheim" not in summary and "nieuw" not in summary


def test_phase_transitions():
    check_transition(Phase.VOORTGANG, Phase.VOORTGANGSOVERLEG)
    check_transition(Phase.VOORTGANGSOVERLEG, Phase.VOORTGANG)
    with pytest.raises(ValidationFailed):
        check_transition(Phase.AANMELDING, Phase.VOORTGANG)
    with pytest.raises(ValidationFailed):
        check_transition(Phase.INTAKE, Phase.INTAKE)


@pytest.mark.parametrize(
    "code, ok",
    [("H-2026-001", True), ("DEMO-001", True), ("h-1", False), ("AB", False), ("X" * 33, False), ("H 1", False)],
)
def test_household_codes(code, ok):
    if ok:
        assert check_code(code) == code
    else:
        with pytest.raises(ValidationFailed):
            check_code(code)
