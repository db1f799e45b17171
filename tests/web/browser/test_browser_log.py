"""Wie heeft ons plan bekeken and Inzage in a real browser: the mother signs in by mail link, is led to the
second step from the inzage page, sets up an app, sees a professional's read and an overmacht read (marked in
words), filters by person, and downloads the zip (Playwright's download). Every page passes axe, is screenshot
and fits 320 px."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from flows import at, press, set_up_totp, sign_in_by_link
from harness import Site, check_page
from playwright.async_api import Page, expect

from eenplan.domain.access import Principal
from eenplan.domain.audit import Channel
from eenplan.domain.overmacht import QUESTIONS, Besluit

#: on the session's event loop, like the one browser (conftest.browser)
pytestmark = pytest.mark.asyncio(loop_scope="session")

FATIMA = "fatima@example.org"


async def _reads(site: Site) -> None:
    """Joost's plan by mail; Inge's read of the veiligheidsplan on an overmacht decision of the regisseur."""
    hid = site.household_id
    joost, inge = site.person("Joost Willems")["id"], site.person("Inge Bakker")["id"]
    regisseur = site.person("Sanne de Vries")["id"]
    await site.services.plan.current(Principal(joost, hid), hid, channel=Channel.MAIL)
    await site.services.consent.record_overmacht(
        Principal(regisseur, hid),
        hid,
        recipient_id=inge,
        answers=dict.fromkeys(QUESTIONS, "Omdat het nodig is."),
        besluit=Besluit.DELEN,
        sections=["veiligheidsplan"],
        until=None,
    )
    await site.services.plan.current(Principal(inge, hid), hid)


async def test_the_mother_sees_who_looked_and_downloads_everything(page: Page, site: Site) -> None:
    await _reads(site)
    hid = site.household_id
    await sign_in_by_link(page, site, FATIMA)

    await page.goto(f"/huishoudens/{hid}/inzage")
    await check_page(page, "inzage-eerst-tweede-stap")
    await press(page, page.get_by_role("link", name="Ga verder met de extra stap"))
    await page.wait_for_url(at("/inloggen/tweede-stap"))
    await page.goto(f"/inloggen/tweede-stap/app?next=/huishoudens/{hid}/bekeken")
    await set_up_totp(page, site)
    await page.wait_for_url(at("/inloggen/tweede-stap/klaar|/huishoudens.*"))

    await page.goto(f"/huishoudens/{hid}/bekeken")
    await check_page(page, "bekeken")
    rows = page.locator("main li.eenplan-log__item")
    joost = rows.filter(has_text="Joost Willems")
    await expect(joost.first).to_contain_text("Schuldhulpverlening Zuid-Limburg")
    await expect(joost.first).to_contain_text("per e-mail")
    emergency = rows.filter(has_text="Noodgeval (overmacht):")
    await expect(emergency).to_have_count(1)
    await expect(emergency).to_contain_text("Inge Bakker")
    await expect(emergency).to_contain_text("Veiligheidsplan")

    await page.get_by_label("Wie", exact=True).select_option(label="Joost Willems")
    await press(page, page.get_by_role("button", name="Zoeken"))
    await check_page(page, "bekeken-gefilterd")
    await expect(rows.filter(has_text="Inge Bakker")).to_have_count(0)
    assert await rows.count() >= 1

    await page.goto(f"/huishoudens/{hid}/inzage")
    await check_page(page, "inzage")
    async with page.expect_download() as info:
        await page.get_by_role("link", name="Download alles").click()
    download = await info.value
    assert re.fullmatch(r"inzage-\d{4}-\d{2}-\d{2}\.zip", download.suggested_filename)
    path = await download.path()
    archive = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    assert {"toegangslog.json", "plan.pdf", "plan/versie-0002.json"} <= set(archive.namelist())
    log = json.loads(archive.read("toegangslog.json"))
    assert any(e["door"] == "Inge Bakker" and e["emergency"] for e in log)
