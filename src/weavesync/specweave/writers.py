"""The other writers of an item's status in a SpecWeave project, and handing status writes to weavesync.

What SpecWeave 1.0.593 does on its own when an increment completes (read in its npm package):

- ``specweave complete`` runs `LifecycleHookDispatcher.onIncrementDone`: with
  ``hooks.post_increment_done.close_github_issue`` / ``close_external_issue`` / ``close_jira_issue`` true it calls
  `SyncCoordinator.syncIncrementClosure`, which closes the increment's Jira issue (to
  ``statusSync.mappings.jira.completed``) and ADO work item (``mappings.ado.completed``) and GitHub issues,
  unless ``sync.settings.canUpdateExternalItems`` is false (``dist/src/core/closure-dispatcher.js``: a missing
  flag counts as true there);
- then, with no switch at all, `GitHubReconciler.closeCompletedIncrementIssues` closes the GitHub issues listed in
  ``metadata.json`` ``externalLinks.github.issues`` / ``github.issues[]`` through ``gh``, commenting
  "Auto-closed by SpecWeave" (it makes no call when its rate-limit budget file is missing);
- ``sync.mode`` ``immediate`` makes every status change push at once (its `StatusChangeSyncTrigger`); ``queued``
  (the default) only appends to ``state/event-queue/pending.jsonl``, which no command replays.

`other_writers` names those it can see in a project; `handover_bytes` switches the closers off in config.json (and
records what they were, under ``sync.statusSync.handedOver``, so ``--handback`` restores exactly that).
"""

from __future__ import annotations

import copy
import json
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from weavesync.config.load import dig
from weavesync.errors import ConfigError
from weavesync.specweave import jsonfile
from weavesync.specweave.files import atomic_write
from weavesync.specweave.project import Project

CLOSERS = ("close_github_issue", "close_external_issue", "close_jira_issue", "close_ado_work_item")
"""``hooks.post_increment_done`` switches of SpecWeave's own closures."""

HANDED_KEY = "handedOver"
SPECWEAVE_CLOSE_NOTE = "Auto-closed by SpecWeave"
"""The last line of the comment SpecWeave's GitHub closer posts."""

GITIGNORE = (".specweave/state/weavesync.db*", ".specweave/state/locks/", ".specweave/logs/weavesync-*.jsonl")
"""weavesync's own state: the store (and its -wal/-shm files), increment locks, the sync log."""


@dataclass(frozen=True)
class Writer:
    """Another writer of item statuses: who, what it does on completion, and the switch that controls it."""

    name: str
    does: str
    switch: str | None


def _raw(project: Project) -> dict[str, Any]:
    try:
        data = json.loads(project.config_path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def specweave_closers_on(project: Project) -> list[str]:
    """The ``hooks.post_increment_done.close_*`` switches that are on (true), by name."""
    done = dig(_raw(project), "hooks", "post_increment_done")
    if not isinstance(done, Mapping):
        return []
    return [f"hooks.post_increment_done.{key}" for key in CLOSERS if done.get(key) is True]


def other_writers(project: Project) -> list[Writer]:
    """Every other status writer config.json and the increments show (for `weavesync doctor`)."""
    raw = _raw(project)
    writers: list[Writer] = []
    closers = specweave_closers_on(project)
    if closers and can_update_external(raw):
        writers.append(Writer(
            "SpecWeave `complete` (its closure sync)",
            "closes the increment's Jira issue (to statusSync.mappings.jira.completed), ADO work item and GitHub "
            "issues when an increment completes",
            ", ".join(closers) + " (`weavesync init --handover` switches them off)"))
    if _lists_story_issues(project):
        writers.append(Writer(
            "SpecWeave `complete` (its GitHub reconciler)",
            "closes the GitHub issues listed in metadata.json externalLinks.github.issues through `gh`, commenting "
            f"\"{SPECWEAVE_CLOSE_NOTE}\"; weavesync then finds them closed and posts no second completion comment",
            None))
    if dig(raw, "sync", "mode") == "immediate":
        writers.append(Writer("SpecWeave sync.mode immediate",
                              "pushes every status change to its configured trackers at once", "sync.mode"))
    return writers


_PRESET_UPSERT = {"read-only": False, "push-only": True, "bidirectional": True, "full-control": True}


def can_update_external(raw: Mapping[str, Any]) -> bool:
    """SpecWeave's `StatusMapper.canUpdateExternal`: ``sync.settings.canUpdateExternalItems`` when set, else the
    ``sync.preset``'s upsert permission, else the legacy settings' ``canUpsertInternalItems`` (true when absent),
    else false (read-only)."""
    explicit = dig(raw, "sync", "settings", "canUpdateExternalItems")
    if isinstance(explicit, bool):
        return explicit
    preset = dig(raw, "sync", "preset")
    if isinstance(preset, str) and preset in _PRESET_UPSERT:
        return _PRESET_UPSERT[preset]
    settings = dig(raw, "sync", "settings")
    if isinstance(settings, Mapping):
        return settings.get("canUpsertInternalItems", True) is not False
    return False


def _lists_story_issues(project: Project) -> bool:
    for folder, _archived in project.increment_dirs():
        try:
            data = json.loads((folder / "metadata.json").read_text(encoding="utf-8-sig"))
        except (OSError, ValueError):
            continue
        if isinstance(dig(data, "externalLinks", "github", "issues"), Mapping) and dig(
                data, "externalLinks", "github", "issues"):
            return True
        if isinstance(dig(data, "github", "issues"), list) and dig(data, "github", "issues"):
            return True
    return False


def handover_bytes(data: bytes, *, back: bool) -> tuple[bytes, str]:
    """config.json's bytes with SpecWeave's closers switched off (their values kept under
    ``sync.statusSync.handedOver``), or, `back`, restored from there; and a sentence saying what changed."""
    try:
        raw, fmt = jsonfile.loads(data)
    except jsonfile.JsonFileError as exc:
        raise ConfigError(f".specweave/config.json: {exc}", hint="fix the JSON first") from exc
    new = copy.deepcopy(raw)
    sync = new.setdefault("sync", {})
    block = sync.setdefault("statusSync", {}) if isinstance(sync, dict) else None
    if not isinstance(block, dict):
        raise ConfigError(".specweave/config.json: sync.statusSync is not an object", path="$.sync.statusSync",
                          hint="make it an object (weavesync init writes one)")
    hooks = new.setdefault("hooks", {})
    done = hooks.setdefault("post_increment_done", {}) if isinstance(hooks, dict) else None
    if not isinstance(done, dict):
        raise ConfigError(".specweave/config.json: hooks.post_increment_done is not an object",
                          path="$.hooks.post_increment_done", hint="make it an object, as SpecWeave writes it")
    if back:
        saved = block.pop(HANDED_KEY, None)
        if not isinstance(saved, dict):
            return data, "status writes were not handed over (no sync.statusSync.handedOver): nothing to undo"
        for key, was in saved.items():
            if isinstance(was, dict) and "was" in was:
                done[key] = was["was"]
            else:
                done.pop(key, None)
        said = "SpecWeave's closers are back as they were: " + ", ".join(sorted(saved))
    else:
        if isinstance(block.get(HANDED_KEY), dict):
            return data, "status writes are already handed to weavesync (undo: --handback)"
        block[HANDED_KEY] = {key: ({"was": done[key]} if key in done else {}) for key in CLOSERS}
        for key in CLOSERS:
            done[key] = False
        said = ("SpecWeave's closers are off (" + ", ".join(CLOSERS) + "); weavesync is the one status writer "
                "(undo: weavesync init --handback)")
    return jsonfile.dumps(new, fmt), said


# -- .gitignore ------------------------------------------------------------------------------------------------

def _in_git(project: Project) -> bool:
    try:
        done = subprocess.run(["git", "rev-parse", "--is-inside-work-tree"], cwd=project.root, capture_output=True,
                              text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0 and done.stdout.strip() == "true"


def gitignore_lines(project: Project) -> list[str]:
    """The `GITIGNORE` lines the project's root .gitignore lacks (none outside a git work tree)."""
    if not _in_git(project):
        return []
    path = project.root / ".gitignore"
    try:
        have = {line.strip() for line in path.read_text(encoding="utf-8").splitlines()}
    except FileNotFoundError:
        have = set()
    except OSError:
        return []
    return [line for line in GITIGNORE if line not in have]


def add_to_gitignore(project: Project, lines: list[str]) -> None:
    """Append `lines` (with a comment) to the root .gitignore, keeping everything in it."""
    path = project.root / ".gitignore"
    try:
        old = path.read_bytes()
    except FileNotFoundError:
        old = b""
    text = old.decode("utf-8")
    if text and not text.endswith("\n"):
        text += "\n"
    text += "# weavesync's own state (added by `weavesync init`)\n" + "".join(f"{line}\n" for line in lines)
    atomic_write(path, text.encode("utf-8"), shown=".gitignore")
