"""Config that both tools read (issue 11, point 1): SpecWeave 1.0.593's own config readers, run in node, over every
config.json weavesync writes (init, its migration of an older weavesync's block, --handover and --handback)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from specweave_cli import SpecWeaveProject, node_eval
from weavesync.cli.main import cli
from weavesync.config import load_config

READERS = """
import fs from 'fs';
import { StatusMapper } from './dist/src/sync/status-mapper.js';
import { ConfigManager } from './dist/src/core/config-manager.js';
const root = process.env.WS_ROOT;
const raw = JSON.parse(fs.readFileSync(root + '/.specweave/config.json', 'utf-8'));
const mapper = new StatusMapper(raw);
const manager = new ConfigManager(root);
const loaded = manager.load();
console.log(JSON.stringify({
  jira: mapper.getJiraCompletedStatus().toLowerCase(),
  ado: mapper.getAdoCompletedState(),
  canUpdate: mapper.canUpdateExternal(),
  valid: manager.validate(loaded),
}));
"""

OLD_BLOCK = {  # what weavesync init wrote before issue 11 (objects where SpecWeave reads strings)
    "enabled": True, "autoSync": True, "promptUser": True, "conflictResolution": "prompt",
    "mappings": {
        "github": {"planning": "open", "active": {"state": "open", "labels": ["in-progress"]},
                   "completed": {"state": "closed", "reason": "completed"}},
        "jira": {"paused": "On Hold", "completed": {"state": "Done", "category": "done"}},
        "ado": {"active": {"category": "InProgress"}, "completed": {"category": "Completed"}},
    },
}


VALID = {"valid": True, "errors": []}


def readers(project: SpecWeaveProject) -> dict[str, Any]:
    import os

    os.environ["WS_ROOT"] = str(project.root)
    try:
        found: dict[str, Any] = node_eval(READERS, project.root)
    finally:
        del os.environ["WS_ROOT"]
    return found


def weavesync(project: SpecWeaveProject, *args: str) -> str:
    result = CliRunner().invoke(cli, [*args, "--project", str(project.root)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _statuses(root: Path) -> dict[str, Any]:
    config = load_config(root / ".specweave" / "config.json", env={})
    return {t.value: {s.value: m.target(s) for s in m.targets} for t, m in config.mappings.items()}


def test_init_writes_only_what_specweave_can_read(project: SpecWeaveProject) -> None:
    before = project.problems()
    weavesync(project, "init", "--yes")
    block = project.config()["sync"]["statusSync"]
    assert block["mappings"] == {"jira": {"completed": "Done"}}
    assert "weavesyncMappings" in block
    found = readers(project)
    assert found["jira"] == "done"
    assert found["valid"] == VALID
    assert found["ado"] == "Closed"  # nothing written for ADO: SpecWeave keeps its own default
    assert project.problems() <= before


def test_an_older_block_breaks_specweave_and_the_migration_mends_it_keeping_the_meaning(
        project: SpecWeaveProject) -> None:
    project.edit_config(sync={"statusSync": OLD_BLOCK})
    with pytest.raises(AssertionError, match="toLowerCase is not a function"):
        readers(project)  # the failure the issue reports, from SpecWeave's own code
    meaning = _statuses(project.root)
    output = weavesync(project, "init", "--yes")
    assert "weavesyncMappings" in output and "+" in output  # the diff was shown
    block = project.config()["sync"]["statusSync"]
    assert block["mappings"] == {"github": {"planning": "open"}, "jira": {"paused": "On Hold", "completed": "Done"}}
    assert _statuses(project.root) == meaning
    found = readers(project)
    assert found["jira"] == "done" and found["ado"] == "Closed"
    again = weavesync(project, "init", "--yes")
    assert "already has a sync.statusSync block" in again


def test_validate_names_the_key_specweave_cannot_read(project: SpecWeaveProject) -> None:
    project.edit_config(sync={"statusSync": OLD_BLOCK})
    result = CliRunner().invoke(cli, ["config", "validate", "--json", "--project", str(project.root)])
    problems = json.loads(result.stdout)["problems"]
    paths = {p["path"] for p in problems if "SpecWeave reads this key" in p["message"]}
    assert paths == {"$.sync.statusSync.mappings.jira.completed", "$.sync.statusSync.mappings.ado.completed"}


def test_handover_switches_specweaves_closers_off_and_back(project: SpecWeaveProject) -> None:
    weavesync(project, "init", "--yes")
    before = project.problems()
    original = project.config()["hooks"]["post_increment_done"]
    assert original.get("close_github_issue") is True  # what `specweave init` writes
    output = weavesync(project, "init", "--handover", "--yes")
    assert "close_github_issue" in output and "-      \"close_github_issue\": true" in output.replace("\r", "")
    done = project.config()["hooks"]["post_increment_done"]
    assert all(done[k] is False for k in ("close_github_issue", "close_external_issue", "close_jira_issue",
                                          "close_ado_work_item"))
    assert readers(project)["valid"] == VALID  # SpecWeave still reads it
    assert project.problems() <= before
    weavesync(project, "init", "--handback", "--yes")
    assert project.config()["hooks"]["post_increment_done"] == original
    assert "handedOver" not in project.config()["sync"]["statusSync"]


def test_init_git_ignores_weavesyncs_own_state(project: SpecWeaveProject) -> None:
    from specweave_cli import untracked

    weavesync(project, "init", "--yes")
    project.git("add", "-A")
    project.git("commit", "-qm", "weavesync init", "--no-verify")
    weavesync(project, "sync", "--no-input")  # opens the store: .specweave/state/weavesync.db
    state = project.root / ".specweave" / "state"
    assert any(state.glob("weavesync.db*"))
    assert not [path for path in untracked(project.root) if "weavesync" in path]
