"""Ons plan and Wat is er veranderd (issue 12, items 1-2): the scoped plan, its changes in words, its versions."""

from __future__ import annotations

from aiohttp import web

routes = web.RouteTableDef()
