"""Over real HTTP on 127.0.0.1: each sandbox tracker delivers signed webhooks to the receiver (uvicorn, port 0),
and the watcher pushes a local status change to the sandbox item. No timed assertions: each test polls until
the effect shows, with a generous timeout, and prints the latency it measured (run with -s to see it)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from weavesync.executor import SyncSession
from weavesync.executor.watch import watch
from weavesync.model import Status
from weavesync.sandbox import Sandbox
from weavesync.specweave import set_status
from weavesync.web import Server, register_webhooks

from .sandbox_world import TIMEOUT, Person, until


@pytest.mark.parametrize("person", ["github", "jira", "ado"], indirect=True)
def test_alices_close_delivered_by_webhook_becomes_a_pending_decision(
        sandbox: Sandbox, person: Person, linked: Callable[[], tuple[SyncSession, str]]) -> None:
    session, item = linked()
    tracker = person.tracker
    with Server(session, poll_interval=0) as server:
        [hook] = register_webhooks(session, server.url)
        assert hook.startswith(f"{tracker.value}:")
        register_webhooks(session, server.url)  # idempotent: replaces our hook, never adds a second one
        person.close(item)
        latency = until(lambda: session.store.pending_decisions(), "the pending decision")
        print(f"\n{tracker.value} webhook close -> pending decision: {latency * 1000:.0f} ms")
        assert sandbox.contexts[tracker.value].webhooks.flush(TIMEOUT)
        assert server.app.state.worker.wait_idle(TIMEOUT)
        mine = [d for d in sandbox.contexts[tracker.value].webhooks.history if d.url.startswith(server.url)]
    [decision] = session.store.pending_decisions()
    assert decision.link_key == f"{tracker.value}:{item}" and decision.increment == "0042-checkout"
    assert session.increment("0042").status is Status.ACTIVE, "off a terminal nothing is chosen silently"
    assert mine and {d.status for d in mine} <= {200, 202}, [(d.status, d.error) for d in mine]
    changes = [d for d in mine if d.headers.get("X-GitHub-Event") != "ping"]
    assert len(changes) == 1, "registering twice must leave one hook, so one delivery per change"
    assert session.store.unprocessed_deliveries() == []
    pulls = [r for r in session.log.records() if r["outcome"] == "pending"]
    assert [(r["trigger"], r["direction"]) for r in pulls] == [("webhook", "pull")]


def test_a_local_status_change_reaches_the_sandbox_item(person: Person,
                                                        linked: Callable[[], tuple[SyncSession, str]]) -> None:
    session, item = linked()
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
        latency = until(lambda: failures or person.is_closed(item), "the issue to close")
        print(f"\nlocal completed -> GitHub issue closed: {latency * 1000:.0f} ms")
    finally:
        stop.set()
        thread.join(10)
    assert not failures and not thread.is_alive()
    issue = person.client.get(f"/repos/acme/shop/issues/{item.rsplit('#', 1)[1]}").json()
    assert (issue["state"], issue["state_reason"]) == ("closed", "completed")
    assert [r["trigger"] for r in session.log.records() if r["outcome"] == "ok"] == ["watch"]
