"""How many sandbox requests the Azure DevOps adapter needs to read 1,000 linked work items.

Run: ``PYTHONPATH=src python -m bench.bench_ado_read [--items 1000]`` from the repository root. Starts an Azure
DevOps sandbox, seeds 1,000 features, reads them all with `AdoAdapter.read_many` and prints the request count
from the sandbox's own counter (workitemsbatch of 200 -> 5 batches, plus one states read for the type).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence

import httpx

from bench.common import read_counts, reset_counts
from weavesync.model import Connection, Secret, Tracker
from weavesync.sandbox import Sandbox
from weavesync.trackers.azure_devops import AdoAdapter

ITEMS = 1000


def measure(count: int = ITEMS) -> tuple[int, dict[str, int], float]:
    """(requests made, requests per route, seconds) for reading `count` linked items once."""
    with Sandbox(trackers=("ado",), seed="empty") as sandbox:
        root = sandbox.urls["ado"]
        env = sandbox.env()
        seeded = httpx.post(f"{root}/_sandbox/seed", json={"count": count, "type": "Feature", "state": "Active"},
                            timeout=60).json()
        items = [f"acme/Shop/{i}" for i in seeded["ids"]]
        adapter = AdoAdapter(Connection(tracker=Tracker.ADO, base_url=env["AZURE_DEVOPS_ORG_URL"],
                                        place={"organization": "acme", "project": "Shop"},
                                        token=Secret(env["AZURE_DEVOPS_PAT"])))
        reset_counts([root])
        start = time.perf_counter()
        found = adapter.read_many(items, frozenset())
        elapsed = time.perf_counter() - start
        adapter.close()
        if sum(1 for v in found.values() if v is not None) != count:
            raise RuntimeError("not every seeded item was read back")
        per_route = read_counts(root)
        return sum(per_route.values()), per_route, elapsed


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--items", type=int, default=ITEMS)
    args = parser.parse_args(argv)
    total, per_route, elapsed = measure(args.items)
    print(f"ado: {total} sandbox requests to read {args.items} linked items ({elapsed:.2f}s)")
    for route, n in sorted(per_route.items()):
        print(f"  {n:5d}  {route}")


if __name__ == "__main__":
    main()
