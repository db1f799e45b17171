"""The account page names the devices one is signed in on briefly ("Chrome op Linux"), not by User-Agent."""

from __future__ import annotations

import pytest

from eenplan.web.pages.devices import device_name

CHROME_LINUX = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
HEADLESS = CHROME_LINUX.replace("Chrome/", "HeadlessChrome/")
FIREFOX_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Mobile/15E148 Safari/604.1"
)
CHROME_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1"
)
EDGE_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0"
)
SAFARI_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15"
)
SAMSUNG = (
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36"
)


@pytest.mark.parametrize(
    ("user_agent", "shown"),
    [
        (CHROME_LINUX, "Chrome op Linux"),
        (HEADLESS, "Chrome op Linux"),
        (FIREFOX_ANDROID, "Firefox op Android"),
        (SAFARI_IPHONE, "Safari op iPhone"),
        (CHROME_IPHONE, "Chrome op iPhone"),
        (EDGE_WINDOWS, "Edge op Windows"),
        (SAFARI_MAC, "Safari op Mac"),
        (SAMSUNG, "Samsung Internet op Android"),
        ("Firefox/133.0", "Firefox"),
        ("Python/3.11 aiohttp/3.10", "onbekend apparaat"),
        ("", "onbekend apparaat"),
        (None, "onbekend apparaat"),
    ],
)
def test_a_device_is_named_by_its_browser_and_system(user_agent: str | None, shown: str) -> None:
    assert device_name(user_agent) == shown
