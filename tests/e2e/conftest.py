"""End-to-end fixtures: the real engine, over real HTTP, against the sandbox on 127.0.0.1.

One sandbox serves the whole session; every test makes its own SpecWeave project and its own tracker items, so
tests never see each other's state. A `World` holds what a test needs: the project, the bot's environment (what
weavesync runs with), and "alice", a person who changes items by hand through the same APIs (she uses the very
same adapters with her own credentials, so her changes are real API calls, recorded as hers).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from weavesync.config import default_mappings
from weavesync.engine.retry import RetryPolicy
from weavesync.executor import SyncSession
from weavesync.model import Connection, Link, LinkRole, Secret, Status, Tracker
from weavesync.sandbox import ACCOUNTS, PERSON, Sandbox
from weavesync.specweave import add_link, find_project
from weavesync.trackers import registry
from weavesync.trackers.base import TrackerAdapter

TRACKERS = (Tracker.GITHUB, Tracker.JIRA, Tracker.ADO)
SANDBOX_NAMES = {Tracker.GITHUB: "github", Tracker.JIRA: "jira", Tracker.ADO: "ado"}
FAST_RETRIES = RetryPolicy(base=0.05, cap=0.4, retry_after_cap=2.0, sleep_threshold=5.0)

CONFIG = {
    "project": {"name": "shop"},
    "sync": {
        "enabled": True,
        "github": {"enabled": True, "owner": "acme", "repo": "shop"},
        "jira": {"enabled": True, "domain": "acme.atlassian.net", "projectKey": "CORE"},
        "ado": {"enabled": True, "organization": "acme", "project": "Shop"},
    },
}


def unthrottled_sandbox() -> Iterator[Sandbox]:
    """A running sandbox whose GitHub budgets do not throttle (tests make many calls quickly; the real budgets
    would throttle them, which one test checks)."""
    with Sandbox() as running:
        httpx.post(f"{running.urls['github']}/_sandbox/ratelimit",
                   json={"limit": 1_000_000, "points_per_minute": 1_000_000, "content_per_minute": 1_000_000,
                         "content_per_hour": 1_000_000})
        yield running


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    yield from unthrottled_sandbox()


def person_connection(sandbox: Sandbox, tracker: Tracker) -> Connection:
    account = ACCOUNTS[SANDBOX_NAMES[tracker]][PERSON]
    if tracker is Tracker.GITHUB:
        return Connection(tracker, sandbox.urls["github"], {"owner": "acme", "repo": "shop"},
                          token=Secret(account.secret))
    if tracker is Tracker.JIRA:
        return Connection(tracker, sandbox.urls["jira"], {"domain": "acme.atlassian.net", "projectKey": "CORE"},
                          user=account.email, token=Secret(account.secret))
    return Connection(tracker, f"{sandbox.urls['ado']}/acme", {"organization": "acme", "project": "Shop"},
                      token=Secret(account.secret))


@dataclass
class World:
    sandbox: Sandbox
    root: Path
    env: dict[str, str]
    people: dict[Tracker, TrackerAdapter] = field(default_factory=dict)
    sessions: list[SyncSession] = field(default_factory=list)

    def session(self, **kwargs: object) -> SyncSession:
        opened = SyncSession.open(find_project(self.root), env=self.env, retry=FAST_RETRIES, **kwargs)
        self.sessions.append(opened)
        return opened

    def alice(self, tracker: Tracker) -> TrackerAdapter:
        if tracker not in self.people:
            self.people[tracker] = registry.kind(tracker).connect(person_connection(self.sandbox, tracker))
        return self.people[tracker]

    def create_item(self, tracker: Tracker, status: Status = Status.ACTIVE, *, title: str = "Guest checkout") -> str:
        """An item alice creates, already in the state `status` maps to (as if linked by hand)."""
        mapping = default_mappings()[tracker]
        item = self.alice(tracker).create(title, "Created by a test.", f"test-{uuid.uuid4().hex}",
                                          mapping.target(status), mapping.managed)
        return item.link_item

    def link(self, increment: str, tracker: Tracker, item: str) -> None:
        with self.session() as session:
            add_link(session.increment(increment), Link(tracker, item, LinkRole.INCREMENT))

    def remote(self, tracker: Tracker, item: str) -> object:
        mapping = default_mappings()[tracker]
        return self.alice(tracker).read_many([item], mapping.managed)[item]

    def alice_sets(self, tracker: Tracker, item: str, status: Status) -> None:
        """Alice moves the item by hand to the state `status` maps to (a close, a reopen, ...)."""
        mapping = default_mappings()[tracker]
        self.alice(tracker).write(item, mapping.target(status), mapping.managed,
                                  resolution="Won't Do" if status is Status.ABANDONED else None)

    def metadata(self, increment: str) -> dict[str, object]:
        path = next((self.root / ".specweave" / "increments").glob(f"{increment}*")) / "metadata.json"
        data: dict[str, object] = json.loads(path.read_text())
        return data

    def close(self) -> None:
        for session in self.sessions:
            session.close()
        for adapter in self.people.values():
            adapter.close()


def make_project(root: Path, *, increment: str = "0042-checkout", status: str = "active") -> None:
    specweave = root / ".specweave"
    folder = specweave / "increments" / increment
    folder.mkdir(parents=True)
    (specweave / "config.json").write_text(json.dumps(CONFIG, indent=2))
    metadata = {"id": increment, "status": status, "type": "feature", "priority": "P1",
                "created": "2026-11-01T09:00:00.000Z", "lastActivity": "2026-11-01T09:00:00.000Z",
                "testMode": "TDD", "coverageTarget": 80, "externalLinks": {}, "project": "shop"}
    (folder / "metadata.json").write_text(json.dumps(metadata, indent=2))
    (folder / "spec.md").write_text(f"---\nincrement: {increment}\ntitle: \"Guest checkout\"\ntype: feature\n"
                                    f"priority: P1\nstatus: {status}\nstructure: user-stories\n---\n\n# Checkout\n")


@pytest.fixture()
def world(tmp_path: Path, sandbox: Sandbox) -> Iterator[World]:
    make_project(tmp_path)
    env = {k: v for k, v in sandbox.env().items() if not k.startswith("SANDBOX_PERSON_")}
    built = World(sandbox=sandbox, root=tmp_path, env=env)
    yield built
    built.close()


@pytest.fixture(params=TRACKERS, ids=[t.value for t in TRACKERS])
def tracker(request: pytest.FixtureRequest) -> Tracker:
    chosen: Tracker = request.param
    return chosen
