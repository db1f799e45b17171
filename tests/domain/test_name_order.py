"""The one order of people (`domain.names`): casefolded full name, then id; someone no longer named comes last."""

from __future__ import annotations

from dataclasses import dataclass

from eenplan.domain.names import by_name, ids_by_name


@dataclass(frozen=True)
class Person:
    id: str
    name: str


def test_de_vries_sorts_under_d_and_namesakes_by_id():
    people = [Person("3", "Zeynep Kaya"), Person("2", "Anna Smit"), Person("9", "de Vries"), Person("1", "Anna Smit")]
    assert [(p.name, p.id) for p in by_name(people)] == [
        ("Anna Smit", "1"),
        ("Anna Smit", "2"),
        ("de Vries", "9"),
        ("Zeynep Kaya", "3"),
    ]


def test_ids_follow_their_names_and_unnamed_ones_come_last():
    names = {"z": "Zeynep Kaya", "d": "de Boer", "a": "Anna Smit"}
    assert ids_by_name(["gone-2", "z", "gone-1", "d", "a"], names) == ["a", "d", "z", "gone-1", "gone-2"]
