"""Sandbox fixtures for the CLI commands that reach trackers (``link --create``, ``status --remote``).

Ideas taken from tests/e2e/conftest.py: one sandbox per test session on 127.0.0.1 (GitHub's rate budgets raised
so a fast test run is never throttled), the bot's environment without the SANDBOX_PERSON_* keys, a SpecWeave
project per test, and "alice" acting by hand through the real adapters with her own credentials. Tests import
the fixtures from here (`sandbox`, `remote_project`, `alice`).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result

from weavesync.cli.main import cli
from weavesync.config import default_mappings
from weavesync.model import Connection, Secret, Status, Tracker
from weavesync.sandbox import ACCOUNTS, PERSON, Sandbox
from weavesync.trackers import registry
from weavesync.trackers.base import TrackerAdapter
from weavesync.trackers.github import GitHubAdapter

TRACKERS = (Tracker.GITHUB, Tracker.JIRA, Tracker.ADO)
PLACES: dict[Tracker, dict[str, str]] = {
    Tracker.GITHUB: {"owner": "acme", "repo": "shop"},
    Tracker.JIRA: {"domain": "acme.atlassian.net", "projectKey": "CORE"},
    Tracker.ADO: {"organization": "acme", "project": "Shop"},
}
"""The places the sandbox serves (its seed): GitHub acme/shop, Jira CORE, ADO acme/Shop."""


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox() as running:
        httpx.post(f"{running.urls['github']}/_sandbox/ratelimit",
                   json={"limit": 1_000_000, "points_per_minute": 1_000_000, "content_per_minute": 1_000_000,
                         "content_per_hour": 1_000_000})
        yield running


def bot_env(sandbox: Sandbox) -> dict[str, str]:
    """What weavesync runs with: the bot's credentials and the sandbox URLs, never the person's."""
    return {k: v for k, v in sandbox.env().items() if not k.startswith("SANDBOX_PERSON_")}


def stats(sandbox: Sandbox, tracker: Tracker) -> dict[str, int]:
    """Requests the tracker's server answered since the last `reset_stats`, per ``METHOD route``."""
    data = httpx.get(f"{sandbox.urls[tracker.value]}/_sandbox/stats").json()
    requests: dict[str, int] = data["requests"]
    return requests


def reset_stats(sandbox: Sandbox) -> None:
    for tracker in TRACKERS:
        httpx.post(f"{sandbox.urls[tracker.value]}/_sandbox/stats/reset").raise_for_status()


def script_fault(sandbox: Sandbox, tracker: Tracker, **fault: Any) -> None:
    httpx.post(f"{sandbox.urls[tracker.value]}/_sandbox/script", json=fault).raise_for_status()


def write_config(root: Path, places: dict[Tracker, dict[str, str]]) -> None:
    sync: dict[str, Any] = {"enabled": True}
    for tracker, place in places.items():
        sync[tracker.value] = {"enabled": True, **place}
    (root / ".specweave").mkdir(parents=True, exist_ok=True)
    (root / ".specweave" / "config.json").write_text(json.dumps({"project": {"name": "shop"}, "sync": sync},
                                                                indent=2))


def write_increment(root: Path, inc_id: str, status: str = "active", *, title: str | None = "Guest checkout"
                    ) -> Path:
    folder = root / ".specweave" / "increments" / inc_id
    folder.mkdir(parents=True)
    metadata = {"id": inc_id, "status": status, "type": "feature", "priority": "P1",
                "created": "2026-11-01T09:00:00.000Z", "lastActivity": "2026-11-01T09:00:00.000Z",
                "testMode": "TDD", "coverageTarget": 80, "externalLinks": {}, "project": "shop"}
    (folder / "metadata.json").write_text(json.dumps(metadata, indent=2))
    title_line = f'title: "{title}"\n' if title else ""
    (folder / "spec.md").write_text(f"---\nincrement: {inc_id}\n{title_line}type: feature\npriority: P1\n"
                                    f"status: {status}\n---\n\n# {inc_id}\n")
    return folder


def unique_increment(prefix: str = "checkout") -> str:
    """An increment id no other test uses: create markers name the increment, and the sandbox is shared."""
    return f"{uuid.uuid4().int % 9000 + 1000:04d}-{prefix}-{uuid.uuid4().hex[:8]}"


@dataclass
class RemoteProject:
    """A SpecWeave project configured for the sandbox, and the CLI run in-process against it."""

    sandbox: Sandbox
    root: Path
    env: dict[str, str]
    people: dict[Tracker, TrackerAdapter] = field(default_factory=dict)

    def run(self, *args: str, env: dict[str, str] | None = None) -> Result:
        runner = CliRunner()
        return runner.invoke(cli, [*args, "--project", str(self.root)], env=env or self.env,
                             catch_exceptions=False)

    def metadata(self, inc_id: str) -> dict[str, Any]:
        path = self.root / ".specweave" / "increments" / inc_id / "metadata.json"
        data: dict[str, Any] = json.loads(path.read_text())
        return data

    def alice(self, tracker: Tracker) -> TrackerAdapter:
        """Alice's own adapter: reads and changes made by a person, not by weavesync."""
        if tracker not in self.people:
            account = ACCOUNTS[tracker.value][PERSON]
            base = self.sandbox.urls[tracker.value] + ("/acme" if tracker is Tracker.ADO else "")
            connection = Connection(tracker, base, PLACES[tracker], user=account.email,
                                    token=Secret(account.secret))
            # alice is a test's hands, not weavesync: GitHub's one-write-per-second pacing would only slow tests
            adapter: TrackerAdapter = (GitHubAdapter(connection, writes_per_minute=None)
                                       if tracker is Tracker.GITHUB else registry.kind(tracker).connect(connection))
            self.people[tracker] = adapter
        return self.people[tracker]

    def make_item(self, tracker: Tracker, status: Status = Status.ACTIVE) -> str:
        mapping = default_mappings()[tracker]
        made = self.alice(tracker).create("Made by hand", "Created by a test.", f"test-{uuid.uuid4().hex}",
                                          mapping.target(status), mapping.managed)
        return made.link_item

    def close(self) -> None:
        for adapter in self.people.values():
            adapter.close()


@pytest.fixture()
def remote_project(tmp_path: Path, sandbox: Sandbox) -> Iterator[RemoteProject]:
    """A project whose config names the sandbox's place on every tracker; no increments yet."""
    write_config(tmp_path, PLACES)
    built = RemoteProject(sandbox=sandbox, root=tmp_path, env=bot_env(sandbox))
    yield built
    built.close()
