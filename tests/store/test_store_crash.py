"""Crashes and concurrency with real processes: kill -9 after and during a claim, racing claimers."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import store_workers
from store_helpers import T0, at, put, states

import weavesync
from weavesync.store import Store

SRC = Path(weavesync.__file__).resolve().parents[1]


def _start_crashing_worker(db_url: str, mode: str, ready: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
    env.pop("WEAVESYNC_DATABASE_URL", None)
    return subprocess.Popen(
        [sys.executable, store_workers.__file__, db_url, mode, T0.isoformat(), str(ready)],
        env=env,
        stderr=subprocess.PIPE,
    )


def _wait_ready(proc: subprocess.Popen[bytes], ready: Path) -> list[int]:
    """Wait for the worker to announce its claim (a deadline only guards against a hang, it is not asserted)."""
    deadline = time.monotonic() + 60
    while not ready.exists():
        if proc.poll() is not None:
            pytest.fail(f"worker exited early: {proc.stderr.read().decode() if proc.stderr else ''}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("worker never announced its claim")
        time.sleep(0.02)
    return [int(i) for i in ready.read_text().split(",") if i]


def _kill9(proc: subprocess.Popen[bytes]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL


def test_kill9_after_claim_loses_nothing_and_duplicates_nothing(store: Store, db_url: str, tmp_path: Path) -> None:
    entry = put(store, 1, "closed")
    later = put(store, 2, "closed")
    ready = tmp_path / "state" / "ready-after"
    proc = _start_crashing_worker(db_url, "after-claim", ready)
    assert sorted(_wait_ready(proc, ready)) == [entry.id, later.id]
    _kill9(proc)

    lease = store_workers.CRASH_LEASE_SECONDS
    assert states(store) == {entry.id: "in_flight", later.id: "in_flight"}
    assert store.claim(at(lease - 1), worker="survivor") == []
    reclaimed = store.claim(at(lease), worker="survivor")
    assert [(e.id, e.claims) for e in reclaimed] == [(entry.id, 2), (later.id, 2)]
    for e in reclaimed:
        assert store.complete(e.id, receipt={"version": "v2"}, now=at(lease + 1), worker="survivor")
    assert store.claim(at(10 * lease), worker="survivor") == []
    assert states(store) == {entry.id: "done", later.id: "done"}


def test_kill9_inside_the_claim_transaction_leaves_the_entry_unclaimed(
    store: Store, db_url: str, tmp_path: Path
) -> None:
    entry = put(store, 1, "closed")
    ready = tmp_path / "state" / "ready-mid"
    proc = _start_crashing_worker(db_url, "mid-claim", ready)
    assert _wait_ready(proc, ready) == [entry.id]
    _kill9(proc)

    assert states(store) == {entry.id: "pending"}
    (claimed,) = store.claim(T0, worker="survivor")  # no lease to wait for: the claim never committed
    assert (claimed.id, claimed.claims) == (entry.id, 1)
    assert store.complete(claimed.id, receipt={}, now=at(1), worker="survivor")
    assert [e.state for e in store.outbox()] == ["done"]


def test_concurrent_claimers_never_share_an_entry(store: Store, db_url: str, tmp_path: Path) -> None:
    """Four processes drain one outbox; every entry is claimed exactly once and links stay in order."""
    for n in range(60):
        put(store, n, "closed")
    # Half the links get a second entry queued behind an in-flight head whose lease has already expired: the
    # crashed head is obsolete (a newer desired state replaces it before it is replayed, sync-semantics §8),
    # so the racers must take the newer entry instead, once, and respect per-link order.
    store.claim(T0, worker="crashed-earlier", lease_seconds=0, limit=30)
    crashed = sorted(states(store))[:30]
    for n in range(60):
        put(store, n, "open")
    expected = sorted(set(states(store)) - set(crashed))
    assert len(expected) == 60

    ctx = multiprocessing.get_context("spawn")
    racers = 4
    barrier = ctx.Barrier(racers)
    results = ctx.Queue()
    procs = [
        ctx.Process(
            target=store_workers.claim_until_empty,
            args=(db_url, str(tmp_path / "state"), f"racer-{i}", T0.isoformat(), barrier, results),
        )
        for i in range(racers)
    ]
    for p in procs:
        p.start()
    reports = [results.get(timeout=90) for _ in procs]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0

    claimed = [entry_id for _, ids, _ in reports for entry_id in ids]
    assert sorted(claimed) == expected  # nothing lost, nothing claimed twice
    assert [v for _, _, violations in reports for v in violations] == []
    done = [e for e in store.outbox() if e.id in expected]
    assert {e.state for e in done} == {"done"}
    assert all(e.claimed_by is not None and e.claimed_by.startswith("racer-") for e in done)
    assert {e.state for e in store.outbox() if e.id in crashed} == {"superseded"}


def test_processes_opening_a_new_database_together_migrate_it_once(tmp_path: Path, sqlite_only: None) -> None:
    from sqlalchemy import create_engine, func, select
    from sqlalchemy.engine import URL

    from weavesync.store import SCHEMA_VERSION
    from weavesync.store.schema import schema_meta

    state = tmp_path / "fresh"
    state.mkdir()
    url = URL.create("sqlite", database=str(state / "weavesync.db")).render_as_string()
    ctx = multiprocessing.get_context("spawn")
    openers = 3
    barrier = ctx.Barrier(openers)
    results = ctx.Queue()
    procs = [
        ctx.Process(target=store_workers.open_and_report, args=(url, str(state), barrier, results))
        for _ in range(openers)
    ]
    for p in procs:
        p.start()
    seen = [results.get(timeout=90) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    assert seen == [SCHEMA_VERSION] * openers
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(schema_meta)) == 1
    finally:
        engine.dispose()
