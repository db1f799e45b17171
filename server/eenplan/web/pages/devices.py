"""A short name for the device a session was signed in on ("Chrome op Linux"), from its User-Agent.

Presentation only: the account page shows it so a person recognises their own devices; nothing is decided
on it (a User-Agent is whatever the browser says).
"""

from __future__ import annotations

from .i18n import _

#: (what the User-Agent contains, the browser's name); the first match wins, so browsers that also say
#: "Chrome" or "Safari" (Edge, Opera, Samsung Internet, Chrome on iOS) come before those
_BROWSERS = (
    ("Edg", "Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
)
#: (what the User-Agent contains, the system's name); Android says "Linux" and iOS "like Mac OS X" too
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Macintosh", "Mac"),
    ("Linux", "Linux"),
)


def device_name(user_agent: str | None) -> str:
    """The browser and system a User-Agent names ("Firefox op Android", "Chrome"), else "onbekend apparaat"."""
    text = user_agent or ""
    browser = next((name for mark, name in _BROWSERS if mark in text), None)
    system = next((name for mark, name in _SYSTEMS if mark in text), None)
    if browser is None:
        return _("onbekend apparaat")
    if system is None:
        return browser
    return _("%(browser)s op %(system)s") % {"browser": browser, "system": system}
