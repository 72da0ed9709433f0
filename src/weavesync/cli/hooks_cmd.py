"""`weavesync hooks install | uninstall | status | run`: sync without typing, from where a SpecWeave user works.

SpecWeave 1.0.593 has no hook that runs an outside command on a status change (its config ``hooks.*`` are
booleans, its router has a fixed handler list) and its event queue misses pause and abandon, so weavesync puts
itself into two places a SpecWeave user already has:

- **git hooks** ``post-commit``, ``post-merge`` and ``post-checkout`` (in the folder ``git rev-parse --git-path
  hooks`` names, so ``core.hooksPath`` is honoured). An existing hook (SpecWeave installs its own pre-commit) is
  kept: weavesync adds one delimited block, and ``uninstall`` removes only that block;
- **a Claude Code project hook** in ``.claude/settings.json``: ``PostToolUse`` on ``Edit|Write|MultiEdit|Bash``.
  Every other hook and key of the file is kept; weavesync's entry is recognised by its command.

Each runs ``weavesync hooks run``, which returns at once and never fails the user's action: it reads the hook's
input (Claude Code passes JSON on stdin) and acts only on an edit of a file under ``.specweave/increments/`` or a
``specweave`` command, then starts ``weavesync push --no-input`` in the background (output to
``.specweave/logs/weavesync-hooks.log``) and prints how many decisions are pending (never asks).
``WEAVESYNC_HOOKS_FOREGROUND=1`` runs the push in the foreground (tests, debugging).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click

from weavesync import exitcodes
from weavesync.cli import render
from weavesync.cli.context import common_options, current_state, json_option
from weavesync.cli.helptext import examples
from weavesync.hookfiles import (
    FOREGROUND_ENV,
    HOOK_LOG,
    claude_installed,
    git_hooks_dir,
    git_installed,
    install_claude,
    install_git,
    installed_hooks,
    uninstall_claude,
    uninstall_git,
)
from weavesync.specweave import Project, find_project

# -- the commands ------------------------------------------------------------------------------------------------

@click.group("hooks", epilog=examples(
    "weavesync hooks install     # a git hook and a Claude Code project hook",
    "weavesync hooks status",
    "weavesync hooks uninstall   # removes only weavesync's own hooks",
))
@common_options
def hooks() -> None:
    """Run weavesync by itself: from git hooks and a Claude Code project hook (next to `watch`)."""


def _report(state_json: bool, action: str, project: Project, changed: list[str]) -> None:
    state = current_state()
    verb = {"installed": "install", "removed": "remove"}[action]
    if state_json:
        render.print_json({"action": action, "project": str(project.root), "changed": changed,
                           "installed": installed_hooks(project)})
        return
    if changed:
        for place in changed:
            render.say(state, f"{action}: {place}")
    else:
        render.say(state, f"nothing to {verb}: " + ("already installed" if verb == "install" else "none installed"))


@hooks.command("install", epilog=examples("weavesync hooks install", "weavesync hooks install --no-claude"))
@click.option("--git/--no-git", "git", default=True, help="Install the git hooks (default: yes, in a git repo).")
@click.option("--claude/--no-claude", "claude", default=True, help="Add the Claude Code project hook (default: yes).")
@common_options
@json_option
def install(git: bool, claude: bool) -> None:
    """Install weavesync's hooks; idempotent, and every other hook is kept."""
    state = current_state()
    project = find_project(state.project)
    changed: list[str] = []
    folder = git_hooks_dir(project) if git else None
    if git and folder is None and not state.json:
        render.say(state, "not a git repository: no git hook installed")
    if folder is not None:
        changed += install_git(folder)
    if claude:
        changed += install_claude(project)
    _report(state.json, "installed", project, changed)


@hooks.command("uninstall", epilog=examples("weavesync hooks uninstall"))
@common_options
@json_option
def uninstall() -> None:
    """Remove weavesync's own hooks (and nothing else)."""
    state = current_state()
    project = find_project(state.project)
    folder = git_hooks_dir(project)
    changed = (uninstall_git(folder) if folder is not None else []) + uninstall_claude(project)
    _report(state.json, "removed", project, changed)


@hooks.command("status", epilog=examples("weavesync hooks status", "weavesync hooks status --json"))
@common_options
@json_option
def hooks_status() -> None:
    """Where weavesync's hooks are installed."""
    state = current_state()
    project = find_project(state.project)
    places = installed_hooks(project)
    if state.json:
        render.print_json({"project": str(project.root), "git": git_installed(git_hooks_dir(project)),
                           "claudeCode": claude_installed(project)})
        return
    render.say(state, "installed: " + ", ".join(places) if places else
               "no weavesync hook installed (`weavesync hooks install`)")


def _relevant(source: str, payload: str, project: Project) -> bool:
    """Is this hook call about SpecWeave's files? (git: always; Claude Code: an increment file or `specweave`)."""
    if not source.startswith("claude"):
        return True
    try:
        data = json.loads(payload) if payload.strip() else {}
    except ValueError:
        return False
    tool = data.get("tool_input") if isinstance(data, dict) else None
    if not isinstance(tool, dict):
        return False
    command = tool.get("command")
    if isinstance(command, str):
        return any(part == "specweave" or part.endswith("/specweave") for part in command.replace(
            "&&", " ").replace(";", " ").split())
    target = tool.get("file_path") or tool.get("path")
    if not isinstance(target, str):
        return False
    try:
        Path(target).resolve().relative_to(project.increments_dir.resolve())
    except ValueError:
        return ".specweave/increments/" in target.replace("\\", "/")
    return True


def _pending_count(project: Project) -> int:
    from weavesync.store import DATABASE_URL_ENV, open_store  # only when a hook fires

    try:
        store = open_store(project.state_dir, os.environ.get(DATABASE_URL_ENV))
    except Exception:
        return 0
    try:
        return len(store.pending_decisions())
    except Exception:
        return 0
    finally:
        store.close()


@hooks.command("run", epilog=examples("weavesync hooks run --from git-post-commit"))
@click.option("--from", "source", default="manual", help="Which hook calls (git-post-commit, claude-code, ...).")
@common_options
@json_option
@click.pass_context
def run(ctx: click.Context, source: str) -> None:
    """What an installed hook runs: a quick non-interactive push in the background; always exits 0."""
    state = current_state()
    try:
        _run_hook(state.json, state.project, source)
    except Exception as exc:
        click.echo(f"weavesync hooks run: {exc}", err=True)
    ctx.exit(exitcodes.OK)


def _run_hook(as_json: bool, where: Path | None, source: str) -> None:
    project = find_project(where)
    payload = "" if sys.stdin is None or sys.stdin.isatty() or not source.startswith("claude") else sys.stdin.read()
    if not _relevant(source, payload, project):
        return
    command = [sys.executable, "-m", "weavesync", "push", "--no-input", "--quiet", "--project", str(project.root)]
    project.logs_dir.mkdir(parents=True, exist_ok=True)
    with (project.logs_dir / HOOK_LOG).open("a", encoding="utf-8") as log:
        log.write(f"--- {source}\n")
        log.flush()
        if os.environ.get(FOREGROUND_ENV) == "1":
            subprocess.run(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, check=False, timeout=300)
        else:
            subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
    pending = _pending_count(project)
    if as_json:
        render.print_json({"source": source, "started": True, "pending": pending})
    elif pending:
        click.echo(f"weavesync: {pending} decision(s) pending; answer them with `weavesync pending` / "
                   "`weavesync resolve`")
