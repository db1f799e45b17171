"""The baseline: a bare aiohttp handler returning fixed bytes (the same plan JSON eenplan serves, or with a
third argument `text/html` the same page HTML)."""

from __future__ import annotations

import sys
from pathlib import Path

from aiohttp import web

body = Path(sys.argv[2]).read_bytes()
content_type = sys.argv[3] if len(sys.argv) > 3 else "application/json"
headers = {"ETag": '"2"'} if content_type == "application/json" else {}


async def handler(request: web.Request) -> web.Response:
    return web.Response(body=body, content_type=content_type, charset=None, headers=headers)


app = web.Application()
app.router.add_get("/{tail:.*}", handler)
# The same event loop eenplan serves on (uvloop where installed), so the ratio compares handlers.
from eenplan.cli import new_loop

web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None, loop=new_loop())
