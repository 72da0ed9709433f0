"""`weavesync hooks run`: which Claude Code tool calls are about SpecWeave's files (the rest return at once)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from weavesync.cli.hooks_cmd import _relevant
from weavesync.specweave import Project


@pytest.mark.parametrize(("tool_input", "expected"), [
    ({"command": "specweave pause 0042 --reason x"}, True),
    ({"command": "cd app && npx specweave complete 0042 --yes"}, True),
    ({"command": "./node_modules/.bin/specweave resume 0042"}, True),
    ({"command": "npm test"}, False),
    ({"command": "grep specweavelike README.md"}, False),
    ({"file_path": "{root}/.specweave/increments/0042-checkout/metadata.json"}, True),
    ({"file_path": "{root}/.specweave/increments/_archive/0001-a/spec.md"}, True),
    ({"file_path": "{root}/src/app.py"}, False),
    ({}, False),
])
def test_claude_code_calls_about_increments_only(tmp_path: Path, tool_input: dict[str, str], expected: bool) -> None:
    project = Project(tmp_path)
    filled = {k: v.format(root=tmp_path) for k, v in tool_input.items()}
    payload = json.dumps({"hook_event_name": "PostToolUse", "tool_input": filled})
    assert _relevant("claude-code", payload, project) is expected
    assert _relevant("git-post-commit", "", project) is True  # a commit may carry any change
    assert _relevant("claude-code", "not json", project) is False
