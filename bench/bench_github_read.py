"""How many sandbox requests the GitHub adapter needs to read 1,000 linked issues, and how fast the sandbox is.

Run: ``PYTHONPATH=src python -m bench.bench_github_read [--items 1000] [--capacity 10000] [--rate-seconds 3]`` from
the repository root. Starts a GitHub
sandbox, seeds 10,000 issues (the capacity the sandbox must hold), links the 1,000 newest-but-30 of them, reads
them with `GitHubAdapter.read_many` and prints the request count from the sandbox's own counter (list pages of
100, newest first: about 11 requests). Then it measures the sandbox's rate for simple ``GET issue`` requests
with two client threads.
"""

from __future__ import annotations

import argparse
import threading
import time
from collections.abc import Sequence

import httpx

from bench.common import LIFTED_GITHUB_LIMITS, control, read_counts, reset_counts
from weavesync.model import Connection, Secret, Tracker
from weavesync.sandbox import Sandbox
from weavesync.trackers.github import GitHubAdapter
from weavesync.trackers.http import Governor

ITEMS = 1000
CAPACITY = 10_000


def measure(count: int = ITEMS, capacity: int = CAPACITY, rate_seconds: float = 3.0
            ) -> tuple[int, dict[str, int], float, float]:
    """(requests made, requests per route, seconds to read, sandbox requests/s for simple GETs)."""
    if capacity < count + 31:
        raise ValueError("capacity must hold the linked items plus 31 others")
    with Sandbox(trackers=("github",), seed="empty") as sandbox:
        root = sandbox.urls["github"]
        env = sandbox.env()
        httpx.post(f"{root}/_sandbox/seed", json={"count": capacity - count - 30, "closed_every": 3}, timeout=120)
        linked = httpx.post(f"{root}/_sandbox/seed", json={"count": count, "closed_every": 4,
                                                           "labels": ["in-progress"]}, timeout=60).json()
        httpx.post(f"{root}/_sandbox/seed", json={"count": 30}, timeout=60)
        items = [f"acme/shop#{n}" for n in range(linked["first"], linked["last"] + 1)]
        adapter = GitHubAdapter(Connection(tracker=Tracker.GITHUB, base_url=root,
                                           place={"owner": "acme", "repo": "shop"},
                                           token=Secret(env["GITHUB_TOKEN"])), governor=Governor())
        reset_counts([root])
        start = time.perf_counter()
        found = adapter.read_many(items, frozenset({"in-progress"}))
        elapsed = time.perf_counter() - start
        adapter.close()
        if sum(1 for v in found.values() if v is not None) != count:
            raise RuntimeError("not every seeded item was read back")
        per_route = read_counts(root)
        control(root, "ratelimit", LIFTED_GITHUB_LIMITS)  # a few seconds of GETs can pass the 5,000/h budget
        rate = _rate(root, env["GITHUB_TOKEN"], capacity, rate_seconds)
        return sum(per_route.values()), per_route, elapsed, rate


def _rate(root: str, token: str, capacity: int, seconds: float = 3.0, threads: int = 2) -> float:
    done = [0] * threads
    stop = time.perf_counter() + seconds

    def run(slot: int) -> None:
        with httpx.Client(base_url=root, headers={"Authorization": f"Bearer {token}"}) as client:
            while time.perf_counter() < stop:
                client.get(f"/repos/acme/shop/issues/{1 + done[slot] % capacity}")
                done[slot] += 1

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(done) / (time.perf_counter() - start)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--items", type=int, default=ITEMS)
    parser.add_argument("--capacity", type=int, default=CAPACITY)
    parser.add_argument("--rate-seconds", type=float, default=3.0)
    args = parser.parse_args(argv)
    total, per_route, elapsed, rate = measure(args.items, args.capacity, args.rate_seconds)
    print(f"github: {total} sandbox requests to read {args.items} linked issues in a repository of "
          f"{args.capacity} ({elapsed:.2f} s)")
    for route, n in sorted(per_route.items()):
        print(f"  {n:5d}  {route}")
    print(f"github sandbox: {rate:.0f} simple GET requests/s (2 client threads, {args.capacity} issues held)")


if __name__ == "__main__":
    main()
