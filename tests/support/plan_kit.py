"""Helpers for the plan page tests (Ons plan, Wat is er veranderd): the regisseur, dates in words, a page's text."""

from __future__ import annotations

import html
from datetime import date
from typing import Any

from babel.dates import format_date

from eenplan.domain.access import Principal

FATIMA = "fatima@example.org"
KHADIJA = "khadija@example.org"


def regisseur(demo: dict[str, Any]) -> Principal:
    """The demo's regisseur, signed in with a second factor (she writes the plan)."""
    return Principal(demo["regisseur"]["id"], demo["household"]["id"], second_factor=True)


def words(d: date) -> str:
    """A date as the pages write it: 'maandag 7 december 2026'."""
    return format_date(d, "EEEE d MMMM y", locale="nl")


async def page_text(client: Any, demo: dict[str, Any], tail: str, status: int = 200) -> str:
    """The unescaped HTML of a page under the demo household (`tail`: 'plan', 'veranderd?van=1&tot=2', …)."""
    resp = await client.get(f"/huishoudens/{demo['household']['id']}/{tail}")
    assert resp.status == status, await resp.text()
    return html.unescape(await resp.text())
