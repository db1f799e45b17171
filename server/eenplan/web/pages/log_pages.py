"""Wie heeft ons plan bekeken and Inzage (issue 12, items 5 and 8): the access log for the klant, the AVG download."""

from __future__ import annotations

from aiohttp import web

routes = web.RouteTableDef()
