"""The PDF of a plan follows each section's own field order (stored JSON is sorted by key: einde before start),
names people, and writes dates and statuses in words."""

from __future__ import annotations

from eenplan.export.pdf import PlanPdfRenderer, plan_lines

NAMES = {"p-joost": "Joost Willems", "p-fatima": "Fatima El Amrani"}
#: as stored: canonical JSON, keys sorted
DOELEN = [
    {
        "acties": [
            {
                "einde": "2026-12-31",
                "evaluatie": "Bij het overleg",
                "id": "budget",
                "start": "2026-12-07",
                "wat": "Budgetplan opstellen",
                "wie": "p-joost",
            }
        ],
        "behaald_in_plaats": None,
        "id": "geld",
        "status": "open",
        "titel": "Overzicht over geld",
    }
]
AFSPRAKEN = [{"wanneer": "elke week", "wat": "Samen koken", "wie": "p-fatima"}]


def test_fields_follow_the_sections_own_order_with_names_and_dates_in_words():
    lines = [text for _, text in plan_lines({"doelen": DOELEN, "afspraken": AFSPRAKEN}, NAMES)]
    action = lines[lines.index("Acties:") + 2 : lines.index("Acties:") + 7]
    assert action == [
        "Wie: Joost Willems",
        "Wat: Budgetplan opstellen",
        "Start: maandag 7 december 2026",
        "Einde: donderdag 31 december 2026",
        "Evaluatie: Bij het overleg",
    ]
    assert lines.index("Doel: Overzicht over geld") < lines.index("Stand: nog bezig") < lines.index("Acties:")
    agreement = lines[lines.index("Afspraken") + 2 :]
    assert agreement == ["Wat: Samen koken", "Wie: Fatima El Amrani", "Wanneer: elke week"]  # wat before wie here


def test_the_pdf_renders():
    pdf = PlanPdfRenderer().render(title="Plan", subtitle="versie 2", sections={"doelen": DOELEN}, names=NAMES)
    assert pdf.startswith(b"%PDF")
