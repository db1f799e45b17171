"""The plan editor in the browser: the regisseur signed in straight onto it, and the plan as the server's service
has it (what the editor's browser tests compare before and after)."""

from __future__ import annotations

from typing import Any

from flows import at, sign_in_by_link
from harness import Site
from playwright.async_api import Page
from support.editor_kit import current_plan

SANNE = ("Sanne de Vries", "sanne.devries@example.org")


def editor_path(site: Site) -> str:
    """The editor page of the site's household."""
    return f"/huishoudens/{site.household_id}/plan/bewerken"


async def plan_of(site: Site) -> dict[str, Any]:
    """The current plan, read through the server's service as the regisseur: {"version": number, section: value}."""
    return await current_plan(site.services, site.person(SANNE[0])["id"], site.household_id)


async def open_editor(page: Page, site: Site) -> dict[str, Any]:
    """Sign the regisseur in by her mail link from the editor and wait until she is on it; the plan as it was
    before she did anything there."""
    before = await plan_of(site)
    await sign_in_by_link(page, site, SANNE[1], start=editor_path(site))
    await page.wait_for_url(at(editor_path(site)))
    return before
