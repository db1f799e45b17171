"""The journaal in a real browser, as the grandmother: she writes to everyone (an empty message is shown next to
its field first), sees her message in the journaal with its line breaks, and the page passes axe (WCAG 2.1 AA),
is screenshot and fits 320 px in every state."""

from __future__ import annotations

import pytest
from flows import at, press, sign_in_by_link
from harness import Site, check_page
from playwright.async_api import Page, expect

#: on the session's event loop, like the one browser (conftest.browser)
pytestmark = pytest.mark.asyncio(loop_scope="session")

GRANDMOTHER = ("Khadija El Amrani", "khadija@example.org")


async def test_the_grandmother_writes_in_the_journaal(page: Page, site: Site) -> None:
    base = f"/huishoudens/{site.household_id}/journaal"
    await sign_in_by_link(page, site, GRANDMOTHER[1], start=base)
    await page.wait_for_url(at(base))
    await expect(page.get_by_text("Er zijn nog geen berichten.")).to_be_visible()
    await check_page(page, "journaal")

    await press(page, page.get_by_role("button", name="Versturen"))
    await expect(page.locator("#tekst-fout")).to_be_visible()
    await check_page(page, "journaal-fout")

    await page.get_by_label("Onderwerp (mag leeg)").fill("Zondag")
    await page.get_by_label("Uw bericht").fill("Wie komt er zondag eten?\nIk maak couscous.")
    await press(page, page.get_by_role("button", name="Versturen"))
    await expect(page.get_by_role("status")).to_contain_text("Uw bericht staat in het journaal.")
    await expect(page.get_by_role("heading", name="Zondag")).to_be_visible()
    await expect(page.get_by_text("Ik maak couscous.")).to_be_visible()
    await check_page(page, "journaal-geschreven")
