"""A double click on "Actie toevoegen" in a real browser adds one action (issue 13, the review's defect 1): while
the first submission's answer is on its way (held back here, as a slow server would), the regisseur clicks again;
both submissions reach the server, the page says "opgeslagen" (not "samengevoegd"), and the plan has one new
version. (Chromium folds two clicks within milliseconds into one submission; a second click while the first
waits for its answer is sent.)"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest
from editor_flows import open_editor, plan_of
from harness import Site, check_page
from playwright.async_api import Error, Page, Route, expect

#: on the session's event loop, like the one browser (conftest.browser)
pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture
def site_overrides() -> dict[str, Any]:
    """No second factor: this module is about the editor (factors have their own browser tests)."""
    return {"second_factor": "off"}


async def test_a_double_click_on_actie_toevoegen_adds_one_action(page: Page, site: Site) -> None:
    before = await open_editor(page, site)
    posts: list[str] = []
    second = asyncio.Event()

    async def slow_first(route: Route) -> None:
        """The first submission reaches the server, its answer waits for the second click; the second goes on."""
        posts.append(route.request.url)
        if len(posts) > 1:
            second.set()
            await route.continue_()
            return
        answer = await route.fetch(max_redirects=0)
        await second.wait()
        with contextlib.suppress(Error):  # the browser dropped the first navigation for the second, as it does
            await route.fulfill(response=answer)

    await page.route("**/plan/bewerken/doelen/school/acties", slow_first)
    await page.locator("#nieuwe-actie-school-open").click()
    await page.locator("#nieuwe-actie-school-wie").select_option(label="Khadija El Amrani")
    await page.locator("#nieuwe-actie-school-wat").fill("Youssef ophalen na school")
    await page.locator("#nieuwe-actie-school-start").fill("2026-12-07")
    await page.locator("#nieuwe-actie-school-einde").fill("2026-12-21")
    button = page.locator("main form[action$='/doelen/school/acties'] button[type=submit]")
    await button.scroll_into_view_if_needed()
    box = await button.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    await page.mouse.click(x, y)
    for _ in range(200):  # until the first submission is under way (not a speed assertion: 10 s at most)
        if posts:
            break
        await asyncio.sleep(0.05)
    assert posts, "the first click sent nothing"
    await page.mouse.click(x, y)  # the page still shows the form while the first answer is on its way
    await expect(page.locator("#melding")).to_contain_text("Uw wijziging is opgeslagen.")
    await check_page(page, "editor-dubbelklik")

    assert len(posts) == 2  # the browser did send the form twice
    await page.unroute("**/plan/bewerken/doelen/school/acties")
    after = await plan_of(site)
    assert after["version"] == before["version"] + 1
    wat = [a["wat"] for a in after["doelen"][1]["acties"]]
    assert wat.count("Youssef ophalen na school") == 1
    await expect(page.locator("main")).not_to_contain_text("Beide wijzigingen staan nu in het plan.")
