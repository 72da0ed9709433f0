"""The sync commands end to end over real HTTP: the real GitHub adapter against the sandbox on 127.0.0.1.

Alice closes the linked issue through the API with her own token; `weavesync sync` (off a terminal) stores the
decision and exits 3; `weavesync resolve --accept` finishes it; a local change is then pushed by `sync`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from weavesync.cli.main import cli
from weavesync.config import default_mappings
from weavesync.model import Connection, Secret, Status, Tracker
from weavesync.sandbox import ACCOUNTS, PERSON, Sandbox
from weavesync.trackers import registry
from weavesync.trackers.base import TrackerAdapter

INC = "0042-checkout"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox() as running:
        yield running


@pytest.fixture()
def alice(sandbox: Sandbox) -> Iterator[TrackerAdapter]:
    account = ACCOUNTS["github"][PERSON]
    adapter = registry.kind(Tracker.GITHUB).connect(Connection(
        Tracker.GITHUB, sandbox.urls["github"], {"owner": "acme", "repo": "shop"}, token=Secret(account.secret)))
    yield adapter
    adapter.close()


def make_project(root: Path, issue: int) -> Path:
    folder = root / ".specweave" / "increments" / INC
    folder.mkdir(parents=True)
    (root / ".specweave" / "config.json").write_text(json.dumps(
        {"project": {"name": "shop"}, "sync": {"github": {"enabled": True, "owner": "acme", "repo": "shop"}}}))
    (folder / "metadata.json").write_text(json.dumps(
        {"id": INC, "status": "active", "type": "feature", "lastActivity": "2026-11-01T09:00:00.000Z",
         "externalLinks": {"github": {"issueNumber": issue, "repo": "acme/shop"}}}, indent=2))
    return root


def test_close_pending_resolve_and_push_over_http(tmp_path: Path, sandbox: Sandbox, alice: TrackerAdapter,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in sandbox.env().items():
        if not key.startswith("SANDBOX_PERSON_"):
            monkeypatch.setenv(key, value)
    monkeypatch.delenv("WEAVESYNC_DATABASE_URL", raising=False)
    mapping = default_mappings()[Tracker.GITHUB]
    created = alice.create("Guest checkout", "Created by a test.", "cli-http-test", mapping.target(Status.ACTIVE),
                           mapping.managed)
    root = make_project(tmp_path / "proj", int(created.link_item.rsplit("#", 1)[1]))

    def run(*args: str) -> Result:
        return CliRunner().invoke(cli, [*args, "--project", str(root)], catch_exceptions=False)

    assert run("sync").exit_code == 0
    alice.write(created.link_item, mapping.target(Status.COMPLETED), mapping.managed)

    pending = run("sync", "--json")
    assert pending.exit_code == 3, pending.output
    (decision,) = json.loads(pending.stdout)["pending"]
    assert decision["proposed"] == "completed" and decision["changedBy"]
    metadata = root / ".specweave" / "increments" / INC / "metadata.json"
    assert json.loads(metadata.read_text())["status"] == "active"

    assert run("resolve", INC, "--accept").exit_code == 0
    assert json.loads(metadata.read_text())["status"] == "completed"
    assert run("plan").exit_code == 0, "accepted: both sides agree"

    data = json.loads(metadata.read_text())
    data["status"] = "active"
    data["lastActivity"] = "2026-12-01T09:00:00.000Z"
    metadata.write_text(json.dumps(data, indent=2))
    pushed = run("sync", "--json")
    assert pushed.exit_code == 0, pushed.output
    assert [c["outcome"] for c in json.loads(pushed.stdout)["changes"] if c["action"] == "push"] == ["ok"]
    reopened = alice.read_many([created.link_item], mapping.managed)[created.link_item]
    assert reopened is not None and reopened.state.state == "open"
    log = json.loads(run("log", "--json").stdout)["records"]
    assert [r["outcome"] for r in log if r["direction"] == "push"][-1] == "ok"
