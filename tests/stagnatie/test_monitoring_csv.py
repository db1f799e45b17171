"""The monitoring CSV in a spreadsheet (issue 10 item 8): quoted for ',' and ';' readers, no formulas."""

from __future__ import annotations

import csv
import io

import pytest

from eenplan.domain.monitoring import as_csv

FIGURES = {
    "from": "2026-04-01",
    "to": "2026-05-31",
    "huishoudens_per_fase": {"aanmelding": 6},
    "escalaties_geopend_per_stap": {"1": 8},
    "escalaties_opgelost_per_stap": {"1": "<5"},
    "mediaan_werkdagen_tot_oplossing": None,
    "achterstallige_stappen": 0,
}


def _cells(text: str, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


@pytest.mark.parametrize(
    "gemeente", ['Gouda;=HYPERLINK("http://x")', "Gouda;+1", "Gouda,=1+1", "Gouda;@SUM(A1)", 'Gouda";=1;"', "Gouda;-2"]
)
@pytest.mark.parametrize("delimiter", [",", ";"])
def test_a_gemeente_with_separators_stays_one_cell_and_no_cell_is_a_formula(gemeente, delimiter):
    rows = _cells(as_csv({**FIGURES, "gemeente": gemeente}), delimiter)
    for row in rows[1:]:
        if delimiter == ",":
            assert row[0] == gemeente  # exact round trip through a CSV reader
        assert all(cell[:1] not in ("=", "+", "-", "@") for cell in row), row


@pytest.mark.parametrize("gemeente", ["=1+1", "+31", "-1", "@SUM(A1)", "\tx", "\rx", " =1", "\uff1d1"])
def test_a_gemeente_starting_like_a_formula_is_prefixed(gemeente):
    rows = _cells(as_csv({**FIGURES, "gemeente": gemeente}), ",")
    assert {row[0] for row in rows[1:]} == {"'" + gemeente}


def test_ordinary_figures_read_back():
    rows = _cells(as_csv({**FIGURES, "gemeente": "Heerlen"}), ",")
    assert rows[0] == ["gemeente", "from", "to", "metric", "key", "value"]
    assert ["Heerlen", "2026-04-01", "2026-05-31", "escalaties_geopend_per_stap", "1", "8"] in rows
    assert ["Heerlen", "2026-04-01", "2026-05-31", "mediaan_werkdagen_tot_oplossing", "", "<5"] in rows
