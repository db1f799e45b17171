"""Wie ziet wat (issue 12, items 3-4): the klant's matrix of who sees which section, and the answers to requests."""

from __future__ import annotations

from aiohttp import web

routes = web.RouteTableDef()
