"""Code that runs in other processes for the crash and concurrency tests (not a test module).

As a script: ``python store_workers.py URL MODE NOW READY_FILE`` claims due entries and then hangs until the
test kills it with SIGKILL. MODE ``after-claim`` commits the claim first; ``mid-claim`` hangs inside the
claim's transaction, before it commits. The claimed ids are written to READY_FILE when the worker is about to
hang, so the test knows when to kill it.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from weavesync.store import open_store
from weavesync.store import outbox as outbox_table

CRASH_LEASE_SECONDS = 5


def _announce(ready: Path, ids: list[int]) -> None:
    tmp = ready.with_suffix(".tmp")
    tmp.write_text(",".join(str(i) for i in ids))
    os.replace(tmp, ready)


def _hang() -> None:
    while True:
        time.sleep(60)


def crash_main(url: str, mode: str, now_text: str, ready_file: str) -> None:
    now = datetime.fromisoformat(now_text)
    ready = Path(ready_file)
    store = open_store(ready.parent, url)
    if mode == "after-claim":
        claimed = store.claim(now, worker="doomed", lease_seconds=CRASH_LEASE_SECONDS)
        _announce(ready, [e.id for e in claimed])
        _hang()
    elif mode == "mid-claim":
        with store.transaction() as conn:
            claimed = outbox_table.claim(conn, now, worker="doomed", lease_seconds=CRASH_LEASE_SECONDS)
            _announce(ready, [e.id for e in claimed])
            _hang()
    elif mode == "claim-deliveries":
        deliveries = store.claim_deliveries(now, worker="doomed", lease_seconds=CRASH_LEASE_SECONDS, limit=2)
        _announce(ready, [d.id for d in deliveries])
        _hang()
    raise SystemExit(f"unknown mode {mode}")


def claim_until_empty(url: str, state_dir: str, worker: str, now_text: str, barrier: Any, results: Any) -> None:
    """Claim and complete entries until none is open; report (claimed ids, per-link order violations)."""
    now = datetime.fromisoformat(now_text)
    store = open_store(Path(state_dir), url)
    claimed: list[int] = []
    violations: list[str] = []
    try:
        barrier.wait()
        while True:
            batch = store.claim(now, worker=worker, lease_seconds=3600, limit=3)
            if not batch:
                if not store.outbox(["pending", "in_flight", "retrying"]):
                    break
                time.sleep(0.001)
                continue
            snapshot = store.outbox()
            for entry in batch:
                older_open = [
                    e.id for e in snapshot
                    if e.link_key == entry.link_key and e.id < entry.id and e.state not in ("done", "superseded")
                ]
                if older_open:
                    violations.append(f"{entry.id} claimed while {older_open} open")
                claimed.append(entry.id)
                if not store.complete(entry.id, receipt={"by": worker}, now=now, worker=worker):
                    violations.append(f"{entry.id} lost by {worker}")
    finally:
        store.close()
        results.put((worker, claimed, violations))


def open_and_report(url: str, state_dir: str, barrier: Any, results: Any) -> None:
    """Open (and so migrate) the store at the same moment as other processes; report the version seen."""
    barrier.wait()
    try:
        with open_store(Path(state_dir), url) as store:
            results.put(store.schema_version)
    except Exception as exc:  # reported to the test, which fails with the message
        results.put(f"{type(exc).__name__}: {exc}")


def process_deliveries_until_empty(url: str, state_dir: str, worker: str, now_text: str, barrier: Any,
                                   results: Any) -> None:
    """Claim deliveries (a few at a time, as `serve` does) and mark each processed until none is left; report
    (worker, processed row ids, claims lost, seconds spent)."""
    now = datetime.fromisoformat(now_text)
    store = open_store(Path(state_dir), url)
    processed: list[int] = []
    lost: list[int] = []
    started = time.monotonic()
    try:
        barrier.wait()
        started = time.monotonic()
        while True:
            batch = store.claim_deliveries(now, worker=worker, lease_seconds=3600, limit=3)
            if not batch:
                if not store.unprocessed_deliveries(1):
                    break
                time.sleep(0.001)
                continue
            for record in batch:
                store.start_delivery_attempt(record.id)
                processed.append(record.id)
                if not store.mark_delivery_processed(record.id, outcome=f"ok by {worker}", now=now, worker=worker):
                    lost.append(record.id)
    finally:
        store.close()
        results.put((worker, processed, lost, time.monotonic() - started))


if __name__ == "__main__":
    crash_main(*sys.argv[1:5])
