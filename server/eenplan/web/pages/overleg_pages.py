"""Onze overleggen (issue 12, item 6): the caller's overleggen, answers, the date poll, invites, the calendar feed."""

from __future__ import annotations

from aiohttp import web

routes = web.RouteTableDef()
