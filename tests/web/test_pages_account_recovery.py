"""/account offers recovery codes only next to a passkey or an app (services.account refuses them otherwise: a
button there would lead to an error page)."""

from __future__ import annotations

from support.pagekit import sign_in


async def test_without_a_passkey_or_app_the_account_page_offers_no_recovery_codes(client, demo, capsys):
    await sign_in(client, capsys, demo["by_name"]["Fatima El Amrani"]["email"])
    page = await client.get("/account")
    text = await page.text()
    assert page.status == 200, text
    assert 'action="/account/herstelcodes"' not in text and "(bijna) geen herstelcodes" not in text
    assert "Herstelcodes heeft u pas nodig" in text
