"""How many sandbox requests the Jira adapter needs to read 1,000 linked issues (and to poll them once).

Seeds 1,000 issues in an empty sandbox Jira, reads them with `JiraAdapter.read_many` and then with one
`changed_since` poll, and prints the sandbox's own request counter for each (not the client's count, so nothing
the adapter does off the books is missed).

    PYTHONPATH=src python -m bench.bench_jira_read [--items 1000]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence

import httpx

from bench.common import read_counts, reset_counts
from weavesync.model import Connection, Secret, Tracker
from weavesync.sandbox import ACCOUNTS, BOT, Sandbox
from weavesync.trackers.jira import KIND


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--items", type=int, default=1000)
    args = parser.parse_args(argv)
    account = ACCOUNTS["jira"][BOT]
    with Sandbox(trackers=("jira",), seed="empty") as sandbox:
        url = sandbox.urls["jira"]
        keys = httpx.post(f"{url}/_sandbox/seed", json={"count": args.items}, timeout=120).json()["keys"]
        connection = Connection(tracker=Tracker.JIRA, base_url=url, place={"projectKey": "CORE"},
                                user=account.email, token=Secret(account.secret))
        adapter = KIND.connect(connection)
        for label, run in (("read_many", lambda: adapter.read_many(keys, frozenset())),
                           ("changed_since (first poll)", lambda: adapter.changed_since(None, frozenset()))):
            reset_counts([url])
            started = time.perf_counter()
            result = run()
            elapsed = time.perf_counter() - started
            per_route = read_counts(url)
            count = len(result) if isinstance(result, dict) else len(result.items)
            print(f"{label}: {count} items in {sum(per_route.values())} sandbox requests "
                  f"({per_route}) in {elapsed:.2f}s")
        adapter.close()


if __name__ == "__main__":
    main()
