"""Over real HTTP on 127.0.0.1: the sandbox's GitHub delivers signed webhooks to the receiver (uvicorn, port 0),
and the watcher pushes a local status change to the sandbox item. No timed assertions: each test polls until
the effect shows, with a generous timeout, and prints the latency it measured (run with -s to see it)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from weavesync.executor import SyncSession, reconcile
from weavesync.executor.watch import watch
from weavesync.model import Status
from weavesync.sandbox import ACCOUNTS, PERSON, Sandbox
from weavesync.specweave import find_project, set_status
from weavesync.web import Server, register_webhooks

SECRET = "sandbox-webhook-secret"
TIMEOUT = 20.0


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(trackers=("github",)) as running:
        yield running


@pytest.fixture()
def alice(sandbox: Sandbox) -> Iterator[httpx.Client]:
    token = ACCOUNTS["github"][PERSON].secret
    with httpx.Client(base_url=sandbox.urls["github"], headers={"Authorization": f"Bearer {token}"}) as client:
        yield client


def project_linked_to(root: Path, number: int) -> Path:
    """One active increment linked to acme/shop#<number>, the way SpecWeave 1.0.x writes the link."""
    inc = root / ".specweave" / "increments" / "0042-checkout"
    inc.mkdir(parents=True)
    (root / ".specweave" / "config.json").write_text(json.dumps(
        {"sync": {"github": {"enabled": True, "owner": "acme", "repo": "shop"}}}, indent=2))
    (inc / "metadata.json").write_text(json.dumps({
        "id": "0042-checkout", "status": "active", "type": "feature", "created": "2026-11-01T09:00:00.000Z",
        "lastActivity": "2026-11-01T09:00:00.000Z",
        "externalLinks": {"github": {"issueNumber": number, "repo": "acme/shop",
                                     "issueUrl": f"https://github.com/acme/shop/issues/{number}"}}}, indent=2))
    (inc / "spec.md").write_text("---\nincrement: 0042-checkout\ntitle: Checkout\nstatus: active\n---\n\n# Spec\n")
    return root


@pytest.fixture()
def linked(tmp_path: Path, sandbox: Sandbox, alice: httpx.Client) -> Callable[[], tuple[SyncSession, int]]:
    """A new in-progress issue, a project linked to it, and a session whose first sync recorded the base."""
    opened: list[SyncSession] = []

    def make() -> tuple[SyncSession, int]:
        issue = alice.post("/repos/acme/shop/issues", json={"title": "Checkout", "labels": ["in-progress"]})
        assert issue.status_code == 201, issue.text
        number = int(issue.json()["number"])
        root = project_linked_to(tmp_path / f"p{number}", number)
        env = {**sandbox.env(), "WEAVESYNC_GITHUB_WEBHOOK_SECRET": SECRET}
        session = SyncSession.open(find_project(root), env=env)
        opened.append(session)
        first = reconcile(session, session.policy(interactive=False))
        assert not first.failed and f"github:acme/shop#{number}" in session.increment("0042").bases
        return session, number

    yield make  # type: ignore[misc]
    for session in opened:
        session.close()


def until(check: Callable[[], Any], what: str) -> float:
    """Poll `check` until it is truthy; returns the seconds it took (fails after TIMEOUT)."""
    start = time.monotonic()
    while not check():
        if time.monotonic() - start > TIMEOUT:
            pytest.fail(f"gave up after {TIMEOUT:.0f} s waiting for {what}")
        time.sleep(0.02)
    return time.monotonic() - start


def test_alices_close_delivered_by_webhook_becomes_a_pending_decision(
        sandbox: Sandbox, alice: httpx.Client, linked: Callable[[], tuple[SyncSession, int]]) -> None:
    session, number = linked()
    with Server(session, poll_interval=0) as server:
        hooks = register_webhooks(session, server.url)
        assert hooks and hooks[0].startswith("github:acme/shop:hook/")
        again = register_webhooks(session, server.url)
        listed = alice.get("/repos/acme/shop/hooks").json()
        assert [h["id"] for h in listed if h["config"]["url"] == f"{server.url}/webhooks/github"] == [
            int(again[0].rsplit("/", 1)[1])], "registering twice keeps one hook"

        closed = alice.patch(f"/repos/acme/shop/issues/{number}", json={"state": "closed",
                                                                        "state_reason": "completed"})
        assert closed.status_code == 200
        latency = until(lambda: session.store.pending_decisions(), "the pending decision")
        print(f"\nwebhook close -> pending decision: {latency * 1000:.0f} ms")
        assert sandbox.contexts["github"].webhooks.flush(TIMEOUT)
        statuses = [d.status for d in sandbox.contexts["github"].webhooks.history if d.url.startswith(server.url)]
    [decision] = session.store.pending_decisions()
    assert decision.link_key == f"github:acme/shop#{number}" and decision.increment == "0042-checkout"
    assert session.increment("0042").status is Status.ACTIVE, "off a terminal nothing is chosen silently"
    assert 202 in statuses and set(statuses) <= {200, 202}, statuses
    pulls = [r for r in session.log.records() if r["outcome"] == "pending"]
    assert [(r["trigger"], r["direction"]) for r in pulls] == [("webhook", "pull")]


def test_a_local_status_change_reaches_the_sandbox_item(sandbox: Sandbox, alice: httpx.Client,
                                                        linked: Callable[[], tuple[SyncSession, int]]) -> None:
    session, number = linked()
    stop = threading.Event()
    failures: list[BaseException] = []

    def run() -> None:
        try:
            watch(session, session.policy(interactive=False), stop_event=stop, poll_interval=0, debounce_ms=100,
                  initial_sync=False)
        except BaseException as exc:
            failures.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        time.sleep(0.6)  # not needed for correctness (the watcher rescans once armed); keeps the latency honest
        set_status(session.increment("0042"), Status.COMPLETED, now=datetime.now(UTC))
        latency = until(lambda: failures or alice.get(f"/repos/acme/shop/issues/{number}").json()["state"]
                        == "closed", "the issue to close")
        print(f"\nlocal completed -> GitHub issue closed: {latency * 1000:.0f} ms")
    finally:
        stop.set()
        thread.join(10)
    assert not failures and not thread.is_alive()
    issue = alice.get(f"/repos/acme/shop/issues/{number}").json()
    assert (issue["state"], issue["state_reason"]) == ("closed", "completed")
    assert [r["trigger"] for r in session.log.records() if r["outcome"] == "ok"] == ["watch"]
