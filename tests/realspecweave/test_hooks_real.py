"""Sync without typing (issue 11, point 4) and one writer per item (point 3), in a project made by SpecWeave.

The Claude Code hook is run exactly as Claude Code runs a project hook: its command from .claude/settings.json
through a shell, the PostToolUse JSON on stdin. The git hooks are run by git itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from e2e.conftest import World
from e2e.linked import expresses
from realspecweave.conftest import linked
from specweave_cli import SpecWeaveProject
from weavesync.cli.main import cli
from weavesync.hookfiles import BEGIN, MARK, git_hooks_dir
from weavesync.model import Status, Tracker


def weavesync(project: SpecWeaveProject, *args: str) -> str:
    result = CliRunner().invoke(cli, [*args, "--project", str(project.root)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def hook_env(world: World) -> dict[str, str]:
    """The user's shell: weavesync on PATH, the tracker credentials, pushes in the foreground (to observe them)."""
    venv_bin = str(Path(sys.executable).parent)
    return {**os.environ, **world.env, "PATH": f"{venv_bin}{os.pathsep}{os.environ['PATH']}",
            "WEAVESYNC_HOOKS_FOREGROUND": "1"}


def claude_code_runs_hooks(project: SpecWeaveProject, env: dict[str, str], tool: str, tool_input: dict[str, str]
                           ) -> subprocess.CompletedProcess[str]:
    settings = json.loads((project.root / ".claude" / "settings.json").read_text())
    payload = json.dumps({"hook_event_name": "PostToolUse", "tool_name": tool, "tool_input": tool_input,
                          "cwd": str(project.root)})
    done = None
    for group in settings["hooks"]["PostToolUse"]:
        if tool in group["matcher"].split("|"):
            for hook in group["hooks"]:
                done = subprocess.run(["sh", "-c", hook["command"]], input=payload, cwd=project.root, env=env,
                                      capture_output=True, text=True, timeout=120, check=False)
                assert done.returncode == 0, done.stderr  # a hook never fails the user's action
    assert done is not None
    return done


def test_install_keeps_every_other_hook_and_uninstall_removes_only_its_own(project: SpecWeaveProject) -> None:
    folder = git_hooks_dir(project)
    assert folder is not None
    (folder / "post-commit").write_text("#!/bin/sh\necho someone else's hook\n")
    (folder / "post-commit").chmod(0o755)
    precommit = (folder / "pre-commit").read_text()  # SpecWeave's own
    claude = project.root / ".claude" / "settings.json"
    claude.parent.mkdir(exist_ok=True)
    theirs = {"permissions": {"allow": ["Bash(npm test)"]},
              "hooks": {"PostToolUse": [{"matcher": "Write", "hooks": [{"type": "command", "command": "lint"}]}]}}
    claude.write_text(json.dumps(theirs, indent=2))
    weavesync(project, "hooks", "install")
    once = {p: p.read_bytes() for p in (folder / "post-commit", folder / "post-merge", claude)}
    assert "already installed" in weavesync(project, "hooks", "install")
    assert {p: p.read_bytes() for p in once} == once
    assert "someone else's hook" in (folder / "post-commit").read_text()
    assert (folder / "pre-commit").read_text() == precommit
    installed = json.loads(claude.read_text())
    assert installed["permissions"] == theirs["permissions"]
    assert installed["hooks"]["PostToolUse"][0] == theirs["hooks"]["PostToolUse"][0]
    assert MARK in installed["hooks"]["PostToolUse"][1]["hooks"][0]["command"]
    status = json.loads(weavesync(project, "hooks", "status", "--json"))
    assert len(status["git"]) == 3 and len(status["claudeCode"]) == 1
    weavesync(project, "hooks", "uninstall")
    assert json.loads(claude.read_text()) == theirs
    assert (folder / "post-commit").read_text() == "#!/bin/sh\necho someone else's hook\n"
    assert not (folder / "post-merge").exists()
    assert (folder / "pre-commit").read_text() == precommit


def test_a_specweave_pause_syncs_by_itself(world: World, project: SpecWeaveProject) -> None:
    project.create("0001-alpha", "Alpha")
    item = linked(world, "0001-alpha")
    weavesync(project, "hooks", "install")
    env = hook_env(world)
    project.pause("0001-alpha", "waiting for design")
    unrelated = claude_code_runs_hooks(project, env, "Write", {"file_path": str(project.root / "README.md")})
    assert unrelated.stdout == "" and expresses(world, Tracker.GITHUB, item, Status.ACTIVE)  # nothing to do
    claude_code_runs_hooks(project, env, "Bash", {"command": "specweave pause 0001-alpha --reason 'waiting'"})
    assert expresses(world, Tracker.GITHUB, item, Status.PAUSED)
    project.resume("0001-alpha")  # and from git: a commit runs the post-commit hook
    subprocess.run(["git", "add", "-A"], cwd=project.root, env=env, check=True)
    subprocess.run(["git", "commit", "-qm", "resume", "--no-verify"], cwd=project.root, env=env, check=True)
    assert expresses(world, Tracker.GITHUB, item, Status.ACTIVE)
    assert BEGIN in (git_hooks_dir(project) / "post-commit").read_text()  # type: ignore[operator]


def test_doctor_names_specweaves_own_writers(project: SpecWeaveProject) -> None:
    project.edit_config(sync={**project.config().get("sync", {}), "preset": "bidirectional", "mode": "immediate"})
    result = CliRunner().invoke(cli, ["doctor", "--json", "--project", str(project.root)])
    findings = json.loads(result.stdout)["findings"]
    writers = [f["message"] for f in findings if f["check"] == "writers"]
    assert any("closure sync" in m and "Jira issue" in m for m in writers), writers
    assert any("sync.mode immediate" in m for m in writers), writers
    hooks = [f for f in findings if f["check"] == "hooks"]
    assert hooks and "weavesync hooks install" in (hooks[0]["fix"] or "")
    weavesync(project, "init", "--yes")
    weavesync(project, "init", "--handover", "--yes")
    after = json.loads(CliRunner().invoke(cli, ["doctor", "--json", "--project", str(project.root)]).stdout)
    assert not any("closure sync" in f["message"] for f in after["findings"] if f["check"] == "writers")
