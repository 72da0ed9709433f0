"""A delivery that cannot be processed is set aside with its error and never blocks the next one
(sync-semantics.md §8), over real HTTP: correctly signed poison deliveries of every tracker are sent to a running
receiver, then Alice's real change arrives from the sandbox and must still become a decision; after a restart the
worker still runs, and a poison delivery acknowledged before a crash is set aside at startup, not retried forever."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from weavesync.executor import SyncSession
from weavesync.model import Tracker
from weavesync.sandbox import Sandbox
from weavesync.web import Server, register_webhooks

from .sandbox_world import TIMEOUT, Person, deliver, until

ISSUE = {"number": 1, "state": "open", "labels": [], "updated_at": "2026-11-24T10:31:02Z"}
POISON: dict[Tracker, list[Any]] = {
    Tracker.GITHUB: [
        {"action": "labeled", "label": "in-progress", "issue": ISSUE, "repository": {"full_name": "acme/shop"}},
        {"action": "closed", "issue": {**ISSUE, "labels": "in-progress"}, "repository": {"full_name": "acme/shop"}},
        {"action": "closed", "issue": ISSUE, "repository": "acme/shop", "sender": "alice"},
    ],
    Tracker.JIRA: [
        {"webhookEvent": "jira:issue_updated", "timestamp": 1e300, "issue": {"key": "CORE-1", "fields": {}},
         "changelog": {"items": [{"field": "status"}]}},
        {"webhookEvent": "jira:issue_updated", "issue": {"key": "CORE-1", "fields": []},
         "changelog": {"items": ["status"]}},
        {"webhookEvent": "jira:issue_created", "issue": {"key": "CORE-1", "fields": {"status": "Done"}},
         "user": "alice"},
    ],
    Tracker.ADO: [
        {"eventType": "workitem.updated", "resource": "boom"},
        {"eventType": "workitem.updated", "resource": {"workItemId": "x", "fields": {"System.State": {}},
                                                       "revision": {"fields": {"System.TeamProject": "Shop"}}},
         "resourceContainers": {"project": {"baseUrl": "https://dev.azure.com/acme/"}}},
        {"eventType": "workitem.created", "resource": {"id": 7, "fields": {"System.TeamProject": "Shop",
                                                                          "System.ChangedDate": 5}},
         "resourceContainers": "acme"},
    ],
}


def set_aside(session: SyncSession) -> dict[str, str]:
    return {d.delivery_id: d.error or "" for d in session.store.set_aside_deliveries()}


def sandbox_deliveries(sandbox: Sandbox, tracker: Tracker, url: str) -> int:
    return len([d for d in sandbox.contexts[tracker.value].webhooks.history if d.url.startswith(url)])


@pytest.mark.parametrize("person", ["github", "jira", "ado"], indirect=True)
def test_poison_deliveries_are_set_aside_and_the_next_ones_still_processed(
        sandbox: Sandbox, person: Person, linked: Callable[[], tuple[SyncSession, str]]) -> None:
    session, item = linked()
    tracker = person.tracker
    poison = {f"poison-{tracker.value}-{n}": payload for n, payload in enumerate(POISON[tracker])}
    with Server(session, poll_interval=0) as server:
        register_webhooks(session, server.url)
        for delivery, payload in poison.items():
            answer = deliver(server.url, tracker, payload, delivery)
            assert answer.status_code == 202, answer.text
        person.close(item)
        until(lambda: session.store.pending_decisions(), "the decision after the poison deliveries")
        assert server.app.state.worker.wait_idle(TIMEOUT)
    [decision] = session.store.pending_decisions()
    assert decision.link_key == f"{tracker.value}:{item}"
    aside = set_aside(session)
    assert set(aside) == set(poison)
    assert all(error and "\n" not in error for error in aside.values()), aside
    assert session.store.unprocessed_deliveries() == []

    # a poison delivery acknowledged just before a crash: recorded, never processed
    with Server(session, process=False) as recorder:
        assert deliver(recorder.url, tracker, POISON[tracker][0], "acked-before-crash").status_code == 202
    assert [d.delivery_id for d in session.store.unprocessed_deliveries()] == ["acked-before-crash"]

    with Server(session, poll_interval=0) as server:  # the restart
        assert server.app.state.worker.wait_idle(TIMEOUT)
        assert "acked-before-crash" in set_aside(session)
        register_webhooks(session, server.url)
        before = sandbox_deliveries(sandbox, tracker, server.url)
        person.reopen(item)
        assert sandbox.contexts[tracker.value].webhooks.flush(TIMEOUT)
        assert sandbox_deliveries(sandbox, tracker, server.url) > before
        assert server.app.state.worker.wait_idle(TIMEOUT)
        assert server.app.state.worker.alive
    assert session.store.unprocessed_deliveries() == []
    assert set(set_aside(session)) == {*poison, "acked-before-crash"}, "the reopen must be processed, not set aside"
