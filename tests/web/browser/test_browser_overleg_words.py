"""The regisseur's overleg planner in a real browser (issue 13, defects 3 and 6): the times' heading says what was
checked, and every checkbox has one size whether its label fits on one line or wraps, at full width and 320 px."""

from __future__ import annotations

from typing import Any

import pytest
from flows import at, sign_in_by_link
from harness import Site, check_page
from playwright.async_api import Page, expect

#: on the session's event loop, like the one browser (conftest.browser)
pytestmark = pytest.mark.asyncio(loop_scope="session")

SANNE = "sanne.devries@example.org"


@pytest.fixture
def site_overrides() -> dict[str, Any]:
    """Sanne signs in by link only: the second factor is not what this module checks."""
    return {"second_factor": "off"}


async def _box_sizes(page: Page) -> set[tuple[float, float]]:
    """The rendered (width, height) of every checkbox in the page's main content, rounded to a tenth of a px."""
    sizes = await page.evaluate(
        "() => [...document.querySelectorAll('main input[type=checkbox]')]"
        ".map(e => { const r = e.getBoundingClientRect(); return [r.width, r.height]; })"
    )
    return {(round(w, 1), round(h, 1)) for w, h in sizes}


async def test_every_checkbox_has_one_size_and_the_heading_says_who_was_checked(page: Page, site: Site) -> None:
    base = f"/huishoudens/{site.household_id}/regie/overleggen"
    await sign_in_by_link(page, site, SANNE, start=base)
    await page.wait_for_url(at(base))
    await expect(page.locator("#tijden")).to_have_text("Tijden waarop iedereen die erbij moet zijn kan")
    await check_page(page, "overleg-woorden")
    heights = await page.evaluate(
        "() => [...document.querySelectorAll('main .utrecht-form-label--checkbox')]"
        ".map(e => Math.round(e.getBoundingClientRect().height))"
    )
    assert len(set(heights)) > 1, heights  # labels of one line (who must come) and of two (the times): else no check
    assert len(await _box_sizes(page)) == 1, await _box_sizes(page)
    await page.set_viewport_size({"width": 320, "height": 640})
    assert len(await _box_sizes(page)) == 1, await _box_sizes(page)
