"""Typed keys the pages keep on the app and on each request."""

from __future__ import annotations

from aiohttp import web

from ...domain.sessions import PersonSessionView

#: the key that signs CSRF tokens (from the deployment's secret key; random per app in tests)
CSRF_KEY = web.AppKey("csrf_key", bytes)
#: a municipality's own stylesheet is served at /static/thema.css (EENPLAN_THEME_CSS)
HAS_THEME = web.AppKey("has_theme", bool)
#: the signed-in person, once a guard looked them up (the layout shows who you are)
PERSON = web.RequestKey("person", PersonSessionView)
#: the session lookup behind PERSON (session, memberships), so a household's principal needs no second query
LOOKUP = web.RequestKey("session_lookup", tuple)
#: the household a page is about, for the layout's "where" (its name only)
WHERE = web.RequestKey("where", str)
#: a CSRF cookie value made during this request, set on its response
NEW_CSRF = web.RequestKey("new_csrf", str)
