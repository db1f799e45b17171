"""How a long-running eenplan process (serve, worker, inbound) lets Python's cycle collector work.

CPython collects its youngest generation after every 700 net allocations of container objects. A server
answering 64 requests at once keeps thousands of young objects alive (requests, coroutines, headers, rows),
so under load it collected several hundred times a second, each time walking those objects again: about a
tenth of a hot plan read's CPU (py-spy under wrk: `gc_collect_main` under the first coroutine each request
creates). Reference counting frees almost everything anyway; only reference cycles need the collector.

So, as Synapse does for its homeserver: once everything the process needs is imported and built, collect once
and move what exists into the permanent generation (`gc.freeze`: modules, routes, settings are never garbage,
and a full collection no longer walks them), and collect the young generation after `YOUNG_THRESHOLD` net
allocations. Cycles are still collected, a few times a minute under load instead of hundreds of times a
second; what that can hold back is a few megabytes of garbage at most.
"""

from __future__ import annotations

import gc

#: net container allocations before the youngest generation is collected (CPython's default is 700)
YOUNG_THRESHOLD = 20_000
#: collections of a generation before the next older one is collected too (CPython's defaults)
OLDER_THRESHOLDS = (10, 10)


def settle_after_start() -> None:
    """Call once, when the process has built everything it serves with: collect what start-up left, keep the
    rest out of later collections, and collect young cycles less often (see the module's docstring)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *OLDER_THRESHOLDS)
