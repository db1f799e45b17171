"""A small closed-loop HTTP load generator, run in its own process: prints requests per second."""

from __future__ import annotations

import asyncio
import sys
import time

import aiohttp


async def main(url: str, token: str, total: int, concurrency: int) -> None:
    headers = {"Authorization": f"Bearer {token}"} if token != "-" else {}
    remaining = total
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                async with session.get(url) as resp:
                    await resp.read()
                    if resp.status != 200:
                        raise SystemExit(f"status {resp.status} from {url}")

        for _ in range(2):  # warm up connections and caches
            await asyncio.gather(*[worker() for _ in range(concurrency)])
            remaining = total
        start = time.perf_counter()
        await asyncio.gather(*[worker() for _ in range(concurrency)])
        elapsed = time.perf_counter() - start
    print(f"{total / elapsed:.1f}")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
