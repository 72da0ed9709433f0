"""`/healthz` and `/metrics` over real HTTP on 127.0.0.1: what they report about the store, the worker and the
queues, and when `/healthz` turns 503 (fake tracker kinds; the store is real, SQLite or PostgreSQL)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from weavesync.doctor.store_checks import store_findings
from weavesync.errors import StoreError
from weavesync.executor import SyncSession, reconcile
from weavesync.model import Tracker
from weavesync.store import SCHEMA_VERSION
from weavesync.web import Server
from weavesync.web.health import MAX_DELIVERY_WAIT, WORKER_STALE_AFTER

from .conftest import SECRET
from .fakes import ITEM, FakeKind, Item, sign


def synced(open_session: Callable[[], SyncSession], kinds: dict[Tracker, FakeKind]) -> SyncSession:
    kinds[Tracker.GITHUB].adapter.items[ITEM] = Item()
    session = open_session()
    reconcile(session, session.policy(interactive=False))
    return session


def deliver(url: str, delivery: str, data: dict[str, object]) -> int:
    body = json.dumps(data).encode()
    headers = {"Content-Type": "application/json", "X-GitHub-Delivery": delivery,
               "X-Hub-Signature-256": sign(SECRET, body)}
    return httpx.post(f"{url}/webhooks/github", content=body, headers=headers, timeout=10).status_code


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample of the exposition `text` (fails when it is missing)."""
    shown = ",".join(f'{k}="{v}"' for k, v in labels.items())
    wanted = f"{name}{{{shown}}}" if shown else name
    for line in text.splitlines():
        if not line.startswith("#") and line.rpartition(" ")[0] == wanted:
            return float(line.rpartition(" ")[2])
    raise AssertionError(f"no sample {wanted} in:\n{text}")


def test_a_working_receiver_is_healthy_and_counts_what_it_did(open_session: Callable[[], SyncSession],
                                                              kinds: dict[Tracker, FakeKind]) -> None:
    session = synced(open_session, kinds)
    kinds[Tracker.GITHUB].adapter.person_closes(ITEM)
    with Server(session, poll_interval=0) as server:
        assert deliver(server.url, "close-1", {"action": "closed", "item": ITEM}) == 202
        assert deliver(server.url, "bad", {"raise": "ValueError"}) == 202
        assert server.app.state.worker.wait_idle(10)
        answer = httpx.get(f"{server.url}/healthz", timeout=10)
        metrics = httpx.get(f"{server.url}/metrics", timeout=10)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["status"], body["problems"]) == ("ok", [])
    assert body["store"]["reachable"] and body["store"]["schema_version"] == SCHEMA_VERSION
    assert body["worker"] == {"name": session.worker, "alive": True}
    assert [(w["name"], w["alive"]) for w in body["workers"]] == [(session.worker, True)]
    assert body["deliveries"] == {"unprocessed": 0, "oldest_unprocessed_seconds": None, "set_aside": 1}
    assert body["decisions_pending"] == 1 and body["outbox"]["dead"] == 0

    assert metrics.status_code == 200 and metrics.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = metrics.text
    assert sample(text, "weavesync_deliveries_received_total", tracker="github") == 2
    assert sample(text, "weavesync_deliveries_processed_total", tracker="github") == 1
    assert sample(text, "weavesync_deliveries_set_aside_total", tracker="github") == 1
    assert sample(text, "weavesync_deliveries", state="poison") == 1
    assert sample(text, "weavesync_decisions_pending") == 1
    assert sample(text, "weavesync_outbox_entries", state="dead") == 0
    assert sample(text, "weavesync_store_up") == 1 and sample(text, "weavesync_worker_up") == 1
    assert sample(text, "weavesync_workers_alive") == 1
    for line in text.splitlines():  # the exposition format: comments, or `name{labels} value`
        assert line.startswith(("# HELP ", "# TYPE ")) or re.fullmatch(r'[a-z_]+(\{[a-z_]+="[^"]*"\})? [0-9.e+-]+',
                                                                       line), line
    assert session.store.workers() == [], "a clean stop removes the worker's heartbeat"


def test_a_delivery_nobody_processes_makes_the_receiver_unhealthy(open_session: Callable[[], SyncSession],
                                                                  kinds: dict[Tracker, FakeKind]) -> None:
    session = synced(open_session, kinds)
    session.store.record_delivery(tracker="github", delivery_id="stuck", headers={}, body=b"{}",
                                  now=datetime.now(UTC) - timedelta(seconds=MAX_DELIVERY_WAIT + 60))
    with Server(session, poll_interval=0, process=False) as server:
        answer = httpx.get(f"{server.url}/healthz", timeout=10)
        metrics = httpx.get(f"{server.url}/metrics", timeout=10).text
    assert answer.status_code == 503
    body = answer.json()
    assert body["status"] == "unhealthy" and "waited" in body["problems"][0]
    assert body["worker"] == {"name": None, "alive": None}
    assert body["deliveries"]["unprocessed"] == 1
    assert body["deliveries"]["oldest_unprocessed_seconds"] > MAX_DELIVERY_WAIT
    assert sample(metrics, "weavesync_delivery_oldest_unprocessed_seconds") > MAX_DELIVERY_WAIT


def test_a_stopped_worker_thread_and_an_unreadable_store_are_503(open_session: Callable[[], SyncSession],
                                                                 kinds: dict[Tracker, FakeKind],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    session = synced(open_session, kinds)
    with Server(session, poll_interval=0) as server:
        server.app.state.worker.stop()
        stopped = httpx.get(f"{server.url}/healthz", timeout=10)

        def unreadable() -> None:
            raise StoreError("state store db: cannot read: connection refused")

        monkeypatch.setattr(session.store, "figures", unreadable)
        broken = httpx.get(f"{server.url}/healthz", timeout=10)
        metrics = httpx.get(f"{server.url}/metrics", timeout=10).text
    assert stopped.status_code == 503 and stopped.json()["problems"] == ["the worker thread has stopped"]
    assert broken.status_code == 503
    assert broken.json()["store"]["reachable"] is False
    assert "the state store cannot be read" in broken.json()["problems"]
    assert sample(metrics, "weavesync_store_up") == 0


def test_dead_entries_and_silent_workers_are_warnings_not_outages(open_session: Callable[[], SyncSession],
                                                                  kinds: dict[Tracker, FakeKind]) -> None:
    session = synced(open_session, kinds)
    now = datetime.now(UTC)
    session.store.worker_beat("elsewhere:4242:gone", role="serve", now=now - timedelta(seconds=WORKER_STALE_AFTER + 5))
    with session.store.transaction() as conn:
        entry = session.store.put_desired(conn, link_key=f"github:{ITEM}", increment="0042-checkout",
                                          tracker="github", item=ITEM, desired={"status": "completed"},
                                          reason="test", trigger="cli", now=now)
    [claimed] = session.store.claim(now, worker="w")
    assert claimed.id == entry.id and session.store.bury(entry.id, error="401 bad credentials", now=now)
    with Server(session, poll_interval=0, process=False) as server:
        answer = httpx.get(f"{server.url}/healthz", timeout=10)
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "ok" and body["outbox"]["dead"] == 1
    assert [(w["name"], w["alive"]) for w in body["workers"]] == [("elsewhere:4242:gone", False)]
    assert len(body["warnings"]) == 2 and "dead outbox" in body["warnings"][0]
    assert "elsewhere:4242:gone" in body["warnings"][1]


def test_doctor_names_the_store_its_schema_and_the_workers(open_session: Callable[[], SyncSession],
                                                           kinds: dict[Tracker, FakeKind]) -> None:
    session = synced(open_session, kinds)
    now = datetime.now(UTC)
    session.store.worker_beat("host-a:1:alive", role="serve", now=now - timedelta(seconds=2))
    session.store.worker_beat("host-b:2:killed", role="serve", now=now - timedelta(hours=1))
    found = store_findings(session.store, now)
    # Workers in the order they started: the killed one first.
    assert [(f.check, f.severity) for f in found] == [("store", "ok"), ("workers", "warning"), ("workers", "ok")]
    assert f"schema version {SCHEMA_VERSION}" in found[0].message and session.store.where in found[0].message
    assert "host-b:2:killed has not been heard of for 3600 s" in found[1].message and found[1].fix
    assert "host-a:1:alive is alive" in found[2].message
    assert session.store.prune(before=now - timedelta(minutes=30)) == 1
    assert [w.worker for w in session.store.workers()] == ["host-a:1:alive"]
