"""The rule that lands an item change made on an older version (domain.plan_items.land): other items changed
since → applied on top; the same item changed or removed since → ItemChanged with both versions."""

from __future__ import annotations

import copy

import pytest

from eenplan.domain.errors import NotFound, ValidationFailed
from eenplan.domain.plan_items import ItemChanged, ItemKind, ItemOp, Op, land

ACTIE = {"id": "a1", "wie": "p1", "wat": "Bellen", "start": "2026-12-01", "einde": "2026-12-08", "evaluatie": ""}
BASE = [{"id": "g1", "titel": "Rust", "status": "open", "behaald_in_plaats": None, "acties": [ACTIE]}]


def _ids() -> str:
    return "nieuw"


def test_a_new_action_lands_beside_someone_elses_new_title():
    current = copy.deepcopy(BASE)
    current[0]["titel"] = "Rust in huis"
    op = ItemOp(ItemKind.ACTIE, Op.ADD, "g1", None, {**ACTIE, "id": None, "wat": "Mailen"})
    out = land(BASE, current, op, 3, _ids).section
    assert out[0]["titel"] == "Rust in huis" and [a["id"] for a in out[0]["acties"]] == ["a1", "nieuw"]


def test_a_new_title_lands_beside_someone_elses_new_action():
    current = copy.deepcopy(BASE)
    current[0]["acties"].append({**ACTIE, "id": "a2"})
    out = land(BASE, current, ItemOp(ItemKind.DOEL, Op.CHANGE, "g1", None, {"titel": "Rust in huis"}), 3, _ids)
    assert out.section[0]["titel"] == "Rust in huis" and len(out.section[0]["acties"]) == 2


def test_the_same_action_changed_since_is_a_conflict_with_both_versions():
    current = copy.deepcopy(BASE)
    current[0]["acties"][0]["wat"] = "Hun versie"
    with pytest.raises(ItemChanged) as caught:
        land(BASE, current, ItemOp(ItemKind.ACTIE, Op.CHANGE, "g1", "a1", {"wat": "Mijn versie"}), 3, _ids)
    assert caught.value.mine["wat"] == "Mijn versie" and caught.value.theirs["wat"] == "Hun versie"
    assert caught.value.extra == {"current_version": 3, "current_item": caught.value.theirs}


def test_removing_a_goal_whose_action_someone_changed_is_a_conflict():
    current = copy.deepcopy(BASE)
    current[0]["acties"][0]["einde"] = "2026-12-31"
    with pytest.raises(ItemChanged) as caught:
        land(BASE, current, ItemOp(ItemKind.DOEL, Op.REMOVE, "g1"), 3, _ids)
    assert caught.value.mine is None and caught.value.theirs["acties"][0]["einde"] == "2026-12-31"


def test_an_action_for_a_goal_someone_removed_is_a_conflict():
    with pytest.raises(ItemChanged) as caught:
        land(BASE, [], ItemOp(ItemKind.ACTIE, Op.ADD, "g1", None, {**ACTIE, "id": None}), 3, _ids)
    assert caught.value.theirs is None


def test_missing_items_and_bad_fields():
    with pytest.raises(NotFound):
        land(None, BASE, ItemOp(ItemKind.ACTIE, Op.REMOVE, "g1", "nope"), 2, _ids)
    with pytest.raises(ValidationFailed) as caught:
        land(None, BASE, ItemOp(ItemKind.ACTIE, Op.CHANGE, "g1", "a1", {"einde": "2026-11-01"}), 2, _ids)
    assert [p.field for p in caught.value.problems] == ["einde"]
