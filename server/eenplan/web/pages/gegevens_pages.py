"""Mijn gegevens (issue 12, item 7): one's contact details, reachable days, OpenPGP key and mail choice."""

from __future__ import annotations

from aiohttp import web

routes = web.RouteTableDef()
