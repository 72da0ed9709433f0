"""Four `weavesync serve` processes on one PostgreSQL store, behind a round-robin "reverse proxy" (this test),
against the sandbox over real HTTP: every change Alice makes is delivered once, to one of the four; together they
process each delivery exactly once, and every increment ends as its item's last change says.

The short version (CI) makes `CHANGES` changes; WEAVESYNC_LONG=1 makes 1,000 (bench/README.md, "Long test
runs"). The figures are printed (run with -s); nothing is asserted about time.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from weavesync.executor import SyncSession, reconcile
from weavesync.model import Tracker
from weavesync.sandbox import Sandbox
from weavesync.specweave import find_project
from weavesync.store import open_store
from weavesync.store.schema import deliveries

from .sandbox_world import PLACES, SECRET_ENV, Person, deliver

SRC = Path(__file__).resolve().parents[2] / "src"
LONG = os.environ.get("WEAVESYNC_LONG") == "1"
CHANGES = 1000 if LONG else 48
ITEMS = 20 if LONG else 8
WORKERS = 4
SETTLE = 600.0 if LONG else 120.0
"""Seconds the workers get to finish processing once every change is delivered (a bound, not a measurement)."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def make_project(root: Path, links: list[dict[str, Any]]) -> Path:
    """One active increment per item, the way SpecWeave 1.0.x writes the links."""
    (root / ".specweave").mkdir(parents=True)
    (root / ".specweave" / "config.json").write_text(json.dumps(
        {"sync": {"github": {"enabled": True, **PLACES[Tracker.GITHUB]}}}, indent=2))
    for n, link in enumerate(links):
        name = f"{100 + n:04d}-item{n}"
        inc = root / ".specweave" / "increments" / name
        inc.mkdir(parents=True)
        (inc / "metadata.json").write_text(json.dumps({
            "id": name, "status": "active", "type": "feature", "created": "2026-11-01T09:00:00.000Z",
            "lastActivity": "2026-11-01T09:00:00.000Z", **link}, indent=2))
        (inc / "spec.md").write_text(f"---\nincrement: {name}\ntitle: Item {n}\nstatus: active\n---\n\n# Spec\n")
    return root


def issue_event(item: str, action: str) -> dict[str, Any]:
    """The `issues` delivery GitHub sends for Alice's close or reopen of `item`."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    closed = action == "closed"
    return {"action": action, "repository": {"full_name": "acme/shop"}, "sender": {"login": "alice"},
            "issue": {"number": int(item.rsplit("#", 1)[1]), "state": "closed" if closed else "open",
                      "state_reason": "completed" if closed else None, "labels": [],
                      "closed_at": now if closed else None, "updated_at": now}}


def test_four_serve_processes_share_the_deliveries_with_none_lost_or_doubled(
        sandbox: Sandbox, person: Person, tmp_path: Path, pg_only: None) -> None:
    httpx.post(f"{sandbox.urls['github']}/_sandbox/ratelimit", json={
        "limit": 1_000_000, "points_per_minute": 1_000_000, "content_per_minute": 1_000_000,
        "content_per_hour": 1_000_000})
    made = [person.new_item() for _ in range(ITEMS)]
    items = [item for item, _ in made]
    root = make_project(tmp_path / "shop", [link for _, link in made])
    env = {**os.environ, **sandbox.env(), **SECRET_ENV, "NO_COLOR": "1",
           "PYTHONPATH": os.pathsep.join(p for p in (str(SRC), os.environ.get("PYTHONPATH", "")) if p)}
    env = {k: v for k, v in env.items() if not k.startswith("SANDBOX_PERSON_")}
    url = os.environ["WEAVESYNC_DATABASE_URL"]  # tests/conftest.py: this test's PostgreSQL schema
    with SyncSession.open(find_project(root), env=env) as session:  # the first sync records every base
        first = reconcile(session, session.policy(interactive=False))
        assert not first.failed, first.problems

    ports = [free_port() for _ in range(WORKERS)]
    logs = [tmp_path / f"serve-{n}.log" for n in range(WORKERS)]
    procs = [subprocess.Popen([sys.executable, "-m", "weavesync", "--project", str(root), "serve", "--host",
                               "127.0.0.1", "--port", str(port), "--poll-interval", "0"],
                              env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
             for port, log in zip(ports, logs, strict=True)]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        deadline = time.monotonic() + 60
        for proc, base in zip(procs, urls, strict=True):
            while True:
                assert proc.poll() is None, f"serve exited: {logs[procs.index(proc)].read_text()}"
                try:
                    if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "serve did not come up"
                time.sleep(0.1)

        started = time.monotonic()
        last: dict[str, str] = {}
        for change in range(CHANGES):
            item = items[change % ITEMS]
            action = "reopened" if last.get(item) == "closed" else "closed"
            (person.reopen if action == "reopened" else person.close)(item)
            last[item] = action
            answer = deliver(urls[change % WORKERS], Tracker.GITHUB, issue_event(item, action), f"change-{change}")
            assert answer.status_code == 202, answer.text
        delivered = time.monotonic() - started

        with open_store(tmp_path / "unused", url) as store:
            settle = time.monotonic() + SETTLE
            while store.unprocessed_deliveries(1):
                assert time.monotonic() < settle, f"{len(store.unprocessed_deliveries())} deliveries never processed"
                time.sleep(0.1)
            took = time.monotonic() - started
            with store.transaction() as conn:
                rows = conn.execute(select(deliveries.c.delivery_id, deliveries.c.state, deliveries.c.attempts,
                                           deliveries.c.claimed_by, deliveries.c.outcome)).fetchall()
            pending = {d.link_key for d in store.pending_decisions()}
            health = [httpx.get(f"{base}/healthz", timeout=10).json() for base in urls]
    finally:
        for proc in procs:
            proc.terminate()
        codes = [proc.wait(30) for proc in procs]

    lost = CHANGES - len(rows)
    doubled = sum(r.attempts - 1 for r in rows if r.attempts > 1)
    shares = Counter(str(r.claimed_by).split(":")[1] for r in rows)
    print(f"\n{CHANGES} changes on {ITEMS} items through {WORKERS} serve processes on PostgreSQL: delivered in "
          f"{delivered:.1f} s, all processed after {took:.1f} s ({CHANGES / took:.0f} changes/s); "
          f"shares by pid {dict(shares)}; lost {lost}, doubled {doubled}")
    assert sorted(r.delivery_id for r in rows) == sorted(f"change-{n}" for n in range(CHANGES)), "a delivery lost"
    assert {r.state for r in rows} == {"processed"}, [r for r in rows if r.state != "processed"]
    assert doubled == 0, "a delivery was processed more than once"
    assert len(shares) >= 2, f"the workers did not share the deliveries: {shares}"
    # Per item, whatever order the workers processed its deliveries in, the outcome is its last change's: a
    # pending decision for an item Alice left closed, none for one she reopened.
    assert pending == {f"github:{item}" for item, action in last.items() if action == "closed"}
    assert all(h["status"] == "ok" and len(h["workers"]) == WORKERS for h in health), health
    assert codes == [0] * WORKERS, [log.read_text()[-2000:] for log in logs]
