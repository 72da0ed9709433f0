"""Over real HTTP on 127.0.0.1: each sandbox tracker delivers signed webhooks to the receiver (uvicorn, port 0),
and the watcher pushes a local status change to the sandbox item. No timed assertions: each test polls until
the effect shows, with a generous timeout, and prints the latency it measured (run with -s to see it)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from weavesync.executor import SyncSession, reconcile
from weavesync.executor.watch import watch
from weavesync.model import Status, Tracker
from weavesync.sandbox import ACCOUNTS, PERSON, Sandbox
from weavesync.specweave import find_project, set_status
from weavesync.web import Server, register_webhooks

SECRET = "sandbox-webhook-secret"
TIMEOUT = 20.0


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox() as running:
        yield running


@dataclass
class Person:
    """Alice acting by hand on one tracker of the sandbox: make an in-progress item, close it, read its state."""

    tracker: Tracker
    client: httpx.Client

    def new_item(self) -> tuple[str, dict[str, Any]]:
        """(canonical item ref, the metadata.json keys SpecWeave writes for the link)."""
        if self.tracker is Tracker.GITHUB:
            made = self.client.post("/repos/acme/shop/issues", json={"title": "Checkout", "labels": ["in-progress"]})
            assert made.status_code == 201, made.text
            n = int(made.json()["number"])
            return f"acme/shop#{n}", {"externalLinks": {"github": {
                "issueNumber": n, "repo": "acme/shop", "issueUrl": f"https://github.com/acme/shop/issues/{n}"}}}
        if self.tracker is Tracker.JIRA:
            made = self.client.post("/rest/api/3/issue", json={"fields": {
                "project": {"key": "CORE"}, "summary": "Checkout", "issuetype": {"name": "Task"}}})
            assert made.status_code == 201, made.text
            key = str(made.json()["key"])
            self._jira(key, "11")
            return key, {"externalLinks": {"jira": {"issueKey": key}}}
        made = self.client.post("/Shop/_apis/wit/workitems/$Feature", content=json.dumps(
            [{"op": "add", "path": "/fields/System.Title", "value": "Checkout"}]), headers=PATCH)
        assert made.status_code == 200, made.text
        wid = int(made.json()["id"])
        self._ado(wid, "Active")
        return f"acme/Shop/{wid}", {"externalLinks": {"ado": {"workItemId": wid, "organization": "acme",
                                                                "project": "Shop"}}}

    def close(self, item: str) -> None:
        if self.tracker is Tracker.GITHUB:
            n = item.rsplit("#", 1)[1]
            answer = self.client.patch(f"/repos/acme/shop/issues/{n}", json={"state": "closed",
                                                                            "state_reason": "completed"})
            assert answer.status_code == 200, answer.text
        elif self.tracker is Tracker.JIRA:
            self._jira(item, "71", resolution="Won't Do")
        else:
            self._ado(int(item.rsplit("/", 1)[1]), "Closed")

    def is_closed(self, item: str) -> bool:
        assert self.tracker is Tracker.GITHUB
        return bool(self.client.get(f"/repos/acme/shop/issues/{item.rsplit('#', 1)[1]}").json()["state"] == "closed")

    def _jira(self, key: str, transition: str, resolution: str | None = None) -> None:
        body: dict[str, Any] = {"transition": {"id": transition}}
        if resolution:
            body["fields"] = {"resolution": {"name": resolution}}
        answer = self.client.post(f"/rest/api/3/issue/{key}/transitions", json=body)
        assert answer.status_code == 204, answer.text

    def _ado(self, wid: int, state: str) -> None:
        answer = self.client.patch(f"/Shop/_apis/wit/workitems/{wid}", headers=PATCH, content=json.dumps(
            [{"op": "add", "path": "/fields/System.State", "value": state}]))
        assert answer.status_code == 200, answer.text


PATCH = {"content-type": "application/json-patch+json"}
PLACES = {Tracker.GITHUB: {"owner": "acme", "repo": "shop"}, Tracker.JIRA: {"domain": "acme", "projectKey": "CORE"},
          Tracker.ADO: {"organization": "acme", "project": "Shop"}}


@pytest.fixture()
def person(sandbox: Sandbox, request: pytest.FixtureRequest) -> Iterator[Person]:
    tracker = Tracker(getattr(request, "param", "github"))
    env = sandbox.env()
    if tracker is Tracker.GITHUB:
        client = httpx.Client(base_url=sandbox.urls["github"],
                              headers={"Authorization": f"Bearer {ACCOUNTS['github'][PERSON].secret}"})
    elif tracker is Tracker.JIRA:
        client = httpx.Client(base_url=sandbox.urls["jira"], auth=(env["SANDBOX_PERSON_JIRA_EMAIL"],
                                                                   env["SANDBOX_PERSON_JIRA_API_TOKEN"]))
    else:
        client = httpx.Client(base_url=env["AZURE_DEVOPS_ORG_URL"], params={"api-version": "7.1"},
                              auth=("", env["SANDBOX_PERSON_AZURE_DEVOPS_PAT"]))
    with client:
        yield Person(tracker, client)


def project_linked_to(root: Path, tracker: Tracker, link: dict[str, Any]) -> Path:
    """One active increment linked to one item, the way SpecWeave 1.0.x writes the link."""
    inc = root / ".specweave" / "increments" / "0042-checkout"
    inc.mkdir(parents=True)
    (root / ".specweave" / "config.json").write_text(json.dumps(
        {"sync": {tracker.value: {"enabled": True, **PLACES[tracker]}}}, indent=2))
    (inc / "metadata.json").write_text(json.dumps({
        "id": "0042-checkout", "status": "active", "type": "feature", "created": "2026-11-01T09:00:00.000Z",
        "lastActivity": "2026-11-01T09:00:00.000Z", **link}, indent=2))
    (inc / "spec.md").write_text("---\nincrement: 0042-checkout\ntitle: Checkout\nstatus: active\n---\n\n# Spec\n")
    return root


@pytest.fixture()
def linked(tmp_path: Path, sandbox: Sandbox, person: Person) -> Iterator[Callable[[], tuple[SyncSession, str]]]:
    """A new in-progress item, a project linked to it, and a session whose first sync recorded the base."""
    opened: list[SyncSession] = []

    def make() -> tuple[SyncSession, str]:
        item, link = person.new_item()
        root = project_linked_to(tmp_path / f"p{len(opened)}", person.tracker, link)
        env = {**sandbox.env(), "WEAVESYNC_GITHUB_WEBHOOK_SECRET": SECRET, "WEAVESYNC_JIRA_WEBHOOK_SECRET": SECRET,
               "WEAVESYNC_ADO_WEBHOOK_SECRET": SECRET}
        session = SyncSession.open(find_project(root), env=env)
        opened.append(session)
        first = reconcile(session, session.policy(interactive=False))
        assert not first.failed, first.problems
        assert f"{person.tracker.value}:{item}" in session.increment("0042").bases
        return session, item

    yield make
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
