"""A small closed-loop HTTP load generator, run in its own process: prints requests per second.

Arguments: url, bearer token (`-` for none), total, concurrency, and optionally a Cookie header value
(the pages' session; empty for none) and the number of warm-up rounds of `total` requests (default 2).
Redirects are not followed: anything but a 200 fails the run."""

from __future__ import annotations

import asyncio
import sys
import time

import aiohttp


async def main(url: str, token: str, total: int, concurrency: int, cookie: str = "", warmups: int = 2) -> None:
    headers = {"Authorization": f"Bearer {token}"} if token != "-" else {}
    if cookie:
        headers["Cookie"] = cookie
    remaining = total
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                async with session.get(url, allow_redirects=False) as resp:
                    await resp.read()
                    if resp.status != 200:
                        raise SystemExit(f"status {resp.status} from {url}")

        for _ in range(warmups):  # warm up connections and caches
            await asyncio.gather(*[worker() for _ in range(concurrency)])
            remaining = total
        start = time.perf_counter()
        await asyncio.gather(*[worker() for _ in range(concurrency)])
        elapsed = time.perf_counter() - start
    print(f"{total / elapsed:.1f}")


if __name__ == "__main__":
    cookie = sys.argv[5] if len(sys.argv) > 5 else ""
    warmups = int(sys.argv[6]) if len(sys.argv) > 6 else 2
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), cookie, warmups))
