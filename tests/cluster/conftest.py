"""The cluster of tests/cluster: started once for the module, killed on teardown (also after a failure)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from cluster_harness import EenplanCluster, missing


@pytest.fixture(scope="module")
def cluster():
    """PostgreSQL, 3 `eenplan serve` nodes, 2 `eenplan worker`s, an SMTP relay and nginx, with the demo."""
    why = missing()
    if why:
        if os.environ.get("EENPLAN_REQUIRE_POSTGRES") == "1":
            pytest.fail(why)
        pytest.skip(why)
    with EenplanCluster(nodes=3, workers=2) as running:
        yield running
