"""A SpecWeave project linked to one item of the file-backed fake tracker, and a CLI to drive it (test helper).

`SyncWorld` is what the sync command tests share: the project on disk, the fake tracker's state file, the CLI run
in-process, and the environment a child process needs to run the same CLI against the same fake.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from click.testing import CliRunner, Result

from linked_project import make_project
from weavesync.cli.main import cli
from weavesync.model import Tracker
from weavesync.trackers import registry

PLUGIN_DIR = Path(__file__).resolve().parent / "sync_plugin"
SRC = Path(__file__).resolve().parents[2] / "src"
ITEM = "acme/shop#1"
INC = "0042-checkout"


def _load_plugin() -> ModuleType:
    spec = importlib.util.spec_from_file_location("weavesync_test_tracker", PLUGIN_DIR / "weavesync_test_tracker.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


fake = _load_plugin()


@dataclass
class SyncWorld:
    root: Path
    state: Path

    def invoke(self, *args: str) -> Result:
        return CliRunner().invoke(cli, [*args, "--project", str(self.root)], catch_exceptions=False)

    def json(self, *args: str) -> tuple[int, Any]:
        result = self.invoke(*args, "--json")
        return result.exit_code, json.loads(result.stdout) if result.stdout.strip() else None

    @property
    def metadata_path(self) -> Path:
        return self.root / ".specweave" / "increments" / INC / "metadata.json"

    def metadata(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.metadata_path.read_text())
        return data

    def set_local(self, status: str) -> None:
        """A person edits the status in SpecWeave (what `specweave` itself would write)."""
        data = self.metadata()
        data["status"] = status
        data["lastActivity"] = "2026-11-30T09:00:00.000Z"
        self.metadata_path.write_text(json.dumps(data, indent=2))

    def item(self) -> dict[str, Any]:
        found: dict[str, Any] = fake.load(self.state)["items"][ITEM]
        return found

    def tracker_state(self) -> dict[str, Any]:
        data: dict[str, Any] = fake.load(self.state)
        return data

    def person_closes(self, reason: str = "completed", by: str = "alice") -> None:
        fake.person_changes(self.state, ITEM, state="closed", reason=reason, by=by, labels=[])

    def child_env(self) -> dict[str, str]:
        """The environment for `python -m weavesync` in a child process talking to the same fake."""
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(PLUGIN_DIR), str(SRC), env.get("PYTHONPATH", "")])
        env.update({"GITHUB_TOKEN": "ghp_test", fake.STATE_ENV: str(self.state), "NO_COLOR": "1", "COLUMNS": "120",
                    "TERM": "xterm"})
        env.pop("WEAVESYNC_DATABASE_URL", None)
        return env


def make_world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, synced: bool = True) -> SyncWorld:
    """A project whose increment is `active` and linked to an open item; `synced` runs a first sync (bases)."""
    monkeypatch.setitem(sys.modules, "weavesync_test_tracker", fake)
    monkeypatch.setitem(registry._KINDS, Tracker.GITHUB, "weavesync_test_tracker")
    state = tmp_path / "tracker.json"
    monkeypatch.setenv(fake.STATE_ENV, str(state))
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_test")
    monkeypatch.delenv("WEAVESYNC_DATABASE_URL", raising=False)
    world = SyncWorld(root=make_project(tmp_path / "proj"), state=state)
    fake.put_item(state, ITEM)
    if synced:
        result = world.invoke("sync")
        assert result.exit_code == 0, result.output
    return world
