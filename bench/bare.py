"""The baseline: a bare aiohttp handler returning fixed bytes (the same plan JSON eenplan serves)."""

from __future__ import annotations

import sys
from pathlib import Path

from aiohttp import web

body = Path(sys.argv[2]).read_bytes()


async def handler(request: web.Request) -> web.Response:
    return web.Response(body=body, content_type="application/json", headers={"ETag": '"2"'})


app = web.Application()
app.router.add_get("/{tail:.*}", handler)
# The same event loop eenplan serves on (uvloop where installed), so the ratio compares handlers.
from eenplan.cli import new_loop

web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None, loop=new_loop())
