"""Where weavesync's hooks live and how they are written (`weavesync hooks`, `weavesync doctor`): see
`weavesync.cli.hooks_cmd` for what they do."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

from weavesync.errors import ConfigError
from weavesync.specweave import Project, atomic_write, jsonfile

MARK = "weavesync hooks run"
"""Every hook command weavesync installs contains this; nothing else is ever removed."""
BEGIN = "# >>> weavesync (added by `weavesync hooks install`; `weavesync hooks uninstall` removes it) >>>"
END = "# <<< weavesync <<<"
GIT_HOOKS = ("post-commit", "post-merge", "post-checkout")
CLAUDE_EVENT = "PostToolUse"
CLAUDE_MATCHER = "Edit|Write|MultiEdit|Bash"
CLAUDE_COMMAND = f"command -v weavesync >/dev/null 2>&1 && {MARK} --from claude-code; exit 0"
FOREGROUND_ENV = "WEAVESYNC_HOOKS_FOREGROUND"
HOOK_LOG = "weavesync-hooks.log"


# -- git ---------------------------------------------------------------------------------------------------------

def git_hooks_dir(project: Project) -> Path | None:
    """The hooks folder of the git repository holding the project, None outside one."""
    try:
        done = subprocess.run(["git", "rev-parse", "--git-path", "hooks"], cwd=project.root, capture_output=True,
                              text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0 or not done.stdout.strip():
        return None
    return (project.root / done.stdout.strip()).resolve()


def _git_block(hook: str) -> str:
    python = shlex.quote(sys.executable)
    # `hooks run` returns at once (the push runs detached) and always exits 0; `|| true` covers a removed venv.
    return f"{BEGIN}\n{python} -m {MARK} --from git-{hook} 2>/dev/null || true\n{END}\n"


def _without_block(text: str) -> str:
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    inside = False
    for line in lines:
        if line.rstrip("\n") == BEGIN:
            inside = True
            continue
        if inside:
            if line.rstrip("\n") == END:
                inside = False
            continue
        out.append(line)
    return "".join(out)


def install_git(folder: Path) -> list[str]:
    changed: list[str] = []
    folder.mkdir(parents=True, exist_ok=True)
    for hook in GIT_HOOKS:
        path = folder / hook
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        base = _without_block(old) or "#!/bin/sh\n"
        if not base.endswith("\n"):
            base += "\n"
        new = base + _git_block(hook)
        if new != old:
            atomic_write(path, new.encode("utf-8"), shown=str(path))
            changed.append(f"git {hook}")
        path.chmod(path.stat().st_mode | 0o111)
    return changed


def uninstall_git(folder: Path) -> list[str]:
    changed: list[str] = []
    for hook in GIT_HOOKS:
        path = folder / hook
        if not path.exists():
            continue
        old = path.read_text(encoding="utf-8")
        new = _without_block(old)
        if new == old:
            continue
        if new.strip() in ("", "#!/bin/sh"):
            path.unlink()
        else:
            atomic_write(path, new.encode("utf-8"), shown=str(path))
        changed.append(f"git {hook}")
    return changed


def git_installed(folder: Path | None) -> list[str]:
    if folder is None:
        return []
    return [f"git {hook}" for hook in GIT_HOOKS
            if (folder / hook).exists() and BEGIN in (folder / hook).read_text(encoding="utf-8", errors="replace")]


# -- Claude Code ---------------------------------------------------------------------------------------------------

def claude_settings(project: Project) -> Path:
    return project.root / ".claude" / "settings.json"


def _read_settings(path: Path) -> tuple[dict[str, Any], jsonfile.JsonFormat | None, bytes | None]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return {}, None, None
    try:
        raw, fmt = jsonfile.loads(data)
    except jsonfile.JsonFileError as exc:
        raise ConfigError(f"{path}: {exc}", hint="fix the JSON of Claude Code's settings first") from exc
    return raw, fmt, data


def _ours(hook: object) -> bool:
    return isinstance(hook, dict) and MARK in str(hook.get("command", ""))


def _claude_groups(raw: dict[str, Any], path: Path) -> list[Any]:
    hooks = raw.setdefault("hooks", {})
    if not isinstance(hooks, dict):
        raise ConfigError(f"{path}: hooks is not an object", hint="make it an object, as Claude Code expects")
    groups = hooks.setdefault(CLAUDE_EVENT, [])
    if not isinstance(groups, list):
        raise ConfigError(f"{path}: hooks.{CLAUDE_EVENT} is not a list", hint="make it a list of matcher groups")
    return groups


def install_claude(project: Project) -> list[str]:
    path = claude_settings(project)
    raw, fmt, old = _read_settings(path)
    groups = _claude_groups(raw, path)
    if any(_ours(h) for g in groups if isinstance(g, dict) for h in g.get("hooks", []) or []):
        return []
    groups.append({"matcher": CLAUDE_MATCHER, "hooks": [{"type": "command", "command": CLAUDE_COMMAND,
                                                          "timeout": 30}]})
    path.parent.mkdir(parents=True, exist_ok=True)
    data = jsonfile.dumps(raw, fmt) if fmt is not None else (json.dumps(raw, indent=2) + "\n").encode("utf-8")
    atomic_write(path, data, shown=".claude/settings.json")
    return [f"Claude Code {CLAUDE_EVENT} in .claude/settings.json" + ("" if old is not None else " (created)")]


def uninstall_claude(project: Project) -> list[str]:
    path = claude_settings(project)
    raw, fmt, old = _read_settings(path)
    if old is None or fmt is None:
        return []
    hooks = raw.get("hooks")
    groups = hooks.get(CLAUDE_EVENT) if isinstance(hooks, dict) else None
    if not isinstance(groups, list):
        return []
    kept: list[Any] = []
    removed = False
    for group in groups:
        if isinstance(group, dict) and isinstance(group.get("hooks"), list):
            left = [h for h in group["hooks"] if not _ours(h)]
            if len(left) != len(group["hooks"]):
                removed = True
                if not left:
                    continue
                group = {**group, "hooks": left}
        kept.append(group)
    if not removed:
        return []
    assert isinstance(hooks, dict)
    if kept:
        hooks[CLAUDE_EVENT] = kept
    else:
        del hooks[CLAUDE_EVENT]
        if not hooks:
            del raw["hooks"]
    atomic_write(path, jsonfile.dumps(raw, fmt), shown=".claude/settings.json")
    return [f"Claude Code {CLAUDE_EVENT} in .claude/settings.json"]


def claude_installed(project: Project) -> list[str]:
    try:
        raw, _fmt, _old = _read_settings(claude_settings(project))
    except ConfigError:
        return []
    hooks = raw.get("hooks")
    groups = hooks.get(CLAUDE_EVENT) if isinstance(hooks, dict) else None
    if isinstance(groups, list) and any(_ours(h) for g in groups if isinstance(g, dict)
                                        for h in g.get("hooks", []) or []):
        return [f"Claude Code {CLAUDE_EVENT} in .claude/settings.json"]
    return []


def installed_hooks(project: Project) -> list[str]:
    """Where weavesync's hooks are installed now (for `status` and `weavesync doctor`)."""
    return git_installed(git_hooks_dir(project)) + claude_installed(project)


