"""Mijn gegevens in a real browser, as the mother: change her phone and days (a wrong number is shown next to
its field), upload her binary OpenPGP key file with the file picker and see its fingerprint, then choose
"only notices". Every page state passes axe (WCAG 2.1 AA), is screenshot and fits 320 px."""

from __future__ import annotations

import pytest
from flows import at, press, sign_in_by_link
from harness import Site, check_page
from playwright.async_api import Page, expect

from eenplan.domain.access import Principal
from eenplan.domain.betrokkene import MailChoice

#: on the session's event loop, like the one browser (conftest.browser)
pytestmark = pytest.mark.asyncio(loop_scope="session")

MOTHER = ("Fatima El Amrani", "fatima@example.org")


def _grouped(fingerprint: str) -> str:
    return " ".join(fingerprint[i : i + 4] for i in range(0, len(fingerprint), 4))


async def test_the_mother_keeps_her_own_details(page: Page, site: Site, mother_key) -> None:
    household = site.household_id
    base = f"/huishoudens/{household}/gegevens"
    await sign_in_by_link(page, site, MOTHER[1], start=base)
    await page.wait_for_url(at(base))
    await check_page(page, "gegevens")

    await page.get_by_label("Telefoonnummer").fill("bel mij")
    await press(page, page.get_by_role("button", name="Telefoon en dagen opslaan"))
    await expect(page.locator("#phone-fout")).to_be_visible()
    await check_page(page, "gegevens-fout")

    await page.get_by_label("Telefoonnummer").fill("06 98765432")
    await page.get_by_label("zaterdag").check()
    await page.get_by_label("maandag").uncheck()
    await press(page, page.get_by_role("button", name="Telefoon en dagen opslaan"))
    await expect(page.get_by_role("status")).to_contain_text("Uw telefoonnummer en dagen zijn opgeslagen.")
    await expect(page.get_by_label("zaterdag")).to_be_checked()
    await check_page(page, "gegevens-opgeslagen")

    binary = mother_key.gpg("--export", mother_key.fingerprint).stdout
    await page.set_input_files(
        "#sleutelbestand", files=[{"name": "fatima.gpg", "mimeType": "application/octet-stream", "buffer": binary}]
    )
    await press(page, page.get_by_role("button", name="Sleutel opslaan"))
    await expect(page.locator("[data-fingerprint]")).to_have_text(_grouped(mother_key.fingerprint))
    await expect(page.locator("[data-key-state]")).to_contain_text("geldig")
    await check_page(page, "gegevens-sleutel")

    await page.get_by_label("Alleen een bericht dat er iets veranderd is; u leest het plan hier").check()
    await press(page, page.get_by_role("button", name="Keuze opslaan"))
    await expect(page.get_by_role("status")).to_contain_text("Uw keuze is opgeslagen.")
    await check_page(page, "gegevens-keuze")

    me = site.person(MOTHER[0])
    record = await site.services.betrokkenen.get(Principal(me["id"], household), household, me["id"])
    assert record.phone == "06 98765432" and "za" in record.reachable_days and "ma" not in record.reachable_days
    assert record.mail_choice is MailChoice.MELDINGEN
