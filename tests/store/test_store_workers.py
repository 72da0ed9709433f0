"""Several workers on one store share the webhook deliveries: each delivery is claimed by one worker at a time,
with a lease that a dead worker's claims run out of (sync-semantics.md §8, "Teams")."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import store_workers
from store_helpers import T0, at

from weavesync.store import Store

SRC = Path(__file__).resolve().parents[2] / "src"
LONG = os.environ.get("WEAVESYNC_LONG") == "1"
DELIVERIES = 1000 if LONG else 200
"""Deliveries the four workers share; WEAVESYNC_LONG=1 runs the long version (bench/README.md)."""


def record(store: Store, n: int) -> None:
    assert store.record_delivery(tracker="github", delivery_id=f"d-{n}", headers={}, body=b"{}", now=at(n % 60))


def test_four_processes_process_every_delivery_exactly_once(store: Store, db_url: str, tmp_path: Path) -> None:
    for n in range(DELIVERIES):
        record(store, n)
    ctx = multiprocessing.get_context("spawn")
    racers = 4
    barrier = ctx.Barrier(racers)
    results = ctx.Queue()
    procs = [ctx.Process(target=store_workers.process_deliveries_until_empty,
                         args=(db_url, str(tmp_path / "state"), f"worker-{i}", T0.isoformat(), barrier, results))
             for i in range(racers)]
    for p in procs:
        p.start()
    reports = [results.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0

    processed = sorted(row for _, rows, _, _ in reports for row in rows)
    assert [lost for _, _, lost, _ in reports] == [[]] * racers
    assert len(processed) == len(set(processed)) == DELIVERIES, "a delivery was processed twice, or lost"
    assert store.unprocessed_deliveries() == []
    figures = store.figures()
    assert figures.deliveries == {"processed": DELIVERIES} and figures.oldest_unprocessed is None
    shares = {worker: len(rows) for worker, rows, _, _ in reports}
    seconds = max(s for _, _, _, s in reports)
    print(f"\n{DELIVERIES} deliveries, {racers} workers on {store.where.split('?')[0]}: shares {shares}, "
          f"lost 0, doubled 0, {DELIVERIES / seconds:.0f} deliveries claimed and finished/s")


def test_a_killed_workers_claims_are_taken_over_when_the_lease_ends(store: Store, db_url: str,
                                                                    tmp_path: Path) -> None:
    for n in range(3):
        record(store, n)
    ready = tmp_path / "state" / "ready"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
    doomed = subprocess.Popen([sys.executable, store_workers.__file__, db_url, "claim-deliveries", T0.isoformat(),
                               str(ready)], env=env)
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert doomed.poll() is None and time.monotonic() < deadline, "the worker never claimed"
            time.sleep(0.02)
        claimed = [int(i) for i in ready.read_text().split(",")]
        assert len(claimed) == 2
    finally:
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(30)
    lease = timedelta(seconds=store_workers.CRASH_LEASE_SECONDS)
    # Before the lease ends only the unclaimed delivery is free; after it, the dead worker's are taken over.
    [free] = store.claim_deliveries(T0, worker="survivor", lease_seconds=30, limit=10)
    assert free.id not in claimed and free.claimed_by == "survivor"
    assert store.claim_deliveries(T0 + lease - timedelta(seconds=1), worker="survivor-2", lease_seconds=30) == []
    taken = store.claim_deliveries(T0 + lease, worker="survivor-2", lease_seconds=30)
    assert sorted(d.id for d in taken) == sorted(claimed)
    for d in taken:
        assert store.mark_delivery_processed(d.id, outcome="ok", now=T0 + lease, worker="survivor-2")
    assert not store.mark_delivery_processed(free.id, outcome="ok", now=T0 + lease, worker="survivor-2"), \
        "only the worker holding a claim finishes it"
    assert store.mark_delivery_processed(free.id, outcome="ok", now=T0 + lease, worker="survivor")
    assert store.unprocessed_deliveries() == []


def test_a_renewed_lease_keeps_a_delivery_from_being_taken_over(store: Store) -> None:
    record(store, 1)
    [mine] = store.claim_deliveries(T0, worker="slow", lease_seconds=30)
    assert store.extend_delivery_leases([mine.id], worker="slow", now=at(25), lease_seconds=30) == 1
    assert store.claim_deliveries(at(40), worker="other", lease_seconds=30) == []
    assert store.extend_delivery_leases([mine.id], worker="other", now=at(41), lease_seconds=30) == 0
    [again] = store.claim_deliveries(at(56), worker="other", lease_seconds=30)
    assert again.id == mine.id and again.claimed_by == "other"
    assert store.extend_delivery_leases([mine.id], worker="slow", now=at(57), lease_seconds=30) == 0
