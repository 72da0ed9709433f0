"""SpecWeave's own rules for a status change, kept when weavesync changes a status (sync-semantics.md §8).

What SpecWeave 1.0.593's CLI does around `MetadataManager.updateStatus` (read in its npm package:
``dist/src/core/increment/status-commands.js``, ``metadata-manager.js``, ``active-increment-manager.js``,
``increment-discipline`` ``discipline-checker.js``, ``increment-archiver.js``, ``doctor/checkers/
increments-checker.js``), re-done here from that behaviour:

- **WIP limits.** `check-discipline` counts the increments in ``increments/`` (never ``_archive/``) whose status is
  ``planning``, ``active`` or ``ready_for_review``; more than ``limits.maxActiveIncrements`` (default 3) is a WIP
  warning, more than ``limits.hardCap`` (default 5) a hard-cap violation. `resume` also refuses (without
  ``--force``) when the increments listed as active already reach the limit of the increment's type
  (feature and change-request 2, refactor 1, hotfix, bug and experiment unlimited).
- **The active list.** ``state/active-increment.json`` (``{"ids": [...], "lastUpdated"}``, at most 2 ids): a
  move to ``active`` appends the id; a move to completed, backlog, paused or abandoned rebuilds the list from the
  increments whose status is ``active``, most recent ``lastActivity`` first.
- **The archive.** SpecWeave's status commands only see ``increments/<id>/``; its doctor reports an increment in
  ``_archive/`` whose status is not ``completed``. Its archiver's `restore` moves the folder back to
  ``increments/`` unless an increment with the same number is already there. So a status other than ``completed``
  for an archived increment first brings it out of the archive that way, or is refused with the reason.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from weavesync.errors import WeavesyncError
from weavesync.model import Status, format_utc
from weavesync.specweave.files import atomic_write
from weavesync.specweave.increment import METADATA, Increment
from weavesync.specweave.project import ARCHIVE, Project
from weavesync.specweave.transitions import allowed_from

WIP_STATUSES = frozenset({"planning", "active", "ready_for_review"})
"""The raw statuses SpecWeave's discipline checker and `status` count as work in progress."""

DEFAULT_MAX_ACTIVE = 3
DEFAULT_HARD_CAP = 5
TYPE_LIMITS: Mapping[str, int | None] = {
    "hotfix": None, "feature": 2, "bug": None, "change-request": 2, "refactor": 1, "experiment": None,
}
ACTIVE_LIST = "active-increment.json"
ACTIVE_LIST_MAX = 2


class RuleRefused(WeavesyncError):
    """SpecWeave's rules do not allow this status change (the message says which rule, and what fits)."""


@dataclass(frozen=True)
class Limits:
    max_active: int = DEFAULT_MAX_ACTIVE
    hard_cap: int = DEFAULT_HARD_CAP


@dataclass(frozen=True)
class Verdict:
    """What SpecWeave's rules say about moving one increment to one status."""

    status: Status
    refused: str | None = None
    warnings: tuple[str, ...] = ()
    restore: bool = False


@dataclass(frozen=True)
class Rules:
    """The rules as they stand for one project now (a snapshot: build a fresh one before each change)."""

    limits: Limits
    wip: frozenset[str]
    active: frozenset[str]
    types: Mapping[str, str] = field(default_factory=dict)
    main_numbers: frozenset[str] = frozenset()

    def verdict(self, inc: Increment, target: Status) -> Verdict:
        warnings: list[str] = []
        restore = inc.archived and target is not Status.COMPLETED
        if restore and inc.number in self.main_numbers:
            return Verdict(target, refused=(
                f"{inc.id} is archived and increment number {inc.number} already exists in increments/; "
                "SpecWeave cannot restore it there, so its status stays"))
        counted = inc.id in self.wip and not inc.archived
        after = len(self.wip) - (1 if counted else 0) + (1 if target.value in WIP_STATUSES else 0)
        grows = target.value in WIP_STATUSES and not counted
        if grows and after > self.limits.hard_cap:
            return Verdict(target, refused=(
                f"SpecWeave's hard cap of {self.limits.hard_cap} increments in progress would be exceeded "
                f"({after}); pause, complete or abandon one first"))
        if grows and after > self.limits.max_active:
            warnings.append(f"SpecWeave's WIP limit is {self.limits.max_active} increments in progress; "
                            f"this makes {after} (hard cap {self.limits.hard_cap})")
        kind_limit = TYPE_LIMITS.get(self.types.get(inc.id, ""))
        if target is Status.ACTIVE and kind_limit is not None and inc.id not in self.active:
            busy = len(self.active)
            if busy >= kind_limit:
                warnings.append(f"SpecWeave's limit for {self.types.get(inc.id)} increments is {kind_limit} active; "
                                f"{busy} already listed active (SpecWeave's resume would need --force)")
        if restore:
            warnings.append(f"{inc.id} is archived (increments/{ARCHIVE}/); this brings it back to increments/ "
                            "as SpecWeave's restore would")
        return Verdict(target, warnings=tuple(warnings), restore=restore)

    def notes(self, inc: Increment, proposed: Status | None) -> list[str]:
        """Lines for a prompt: where the increment is, and what the proposal does to SpecWeave's limits."""
        lines: list[str] = []
        if inc.archived:
            lines.append(f"{inc.id} is archived (increments/{ARCHIVE}/).")
        if proposed is not None and proposed != inc.status:
            verdict = self.verdict(inc, proposed)
            if verdict.refused:
                lines.append(f"`{proposed.value}` is not possible: {verdict.refused}.")
            lines.extend(w + "." for w in verdict.warnings if not w.startswith(f"{inc.id} is archived"))
            if verdict.restore:
                lines.append(f"Accepting `{proposed.value}` brings it back to increments/ (as SpecWeave's restore).")
            if verdict.refused or (verdict.warnings and not verdict.restore):
                fitting = [s.value for s in self.fitting(inc) if s != proposed]
                if fitting:
                    lines.append("Statuses that fit SpecWeave's rules: " + ", ".join(fitting) + ".")
        return lines

    def fitting(self, inc: Increment) -> list[Status]:
        """The statuses SpecWeave allows next from `inc`'s status that break none of its limits."""
        out = []
        for status in sorted(allowed_from(inc.status), key=list(Status).index):
            verdict = self.verdict(inc, status)
            if verdict.refused is None and not any("limit" in w for w in verdict.warnings):
                out.append(status)
        return out

    def allowed(self, inc: Increment, choices: Iterable[Status]) -> list[Status]:
        """`choices` without those the rules refuse (the hard cap, an impossible restore)."""
        return [s for s in choices if self.verdict(inc, s).refused is None]


def read_limits(project: Project) -> Limits:
    """`limits.maxActiveIncrements` / `limits.hardCap` from config.json (SpecWeave's defaults 3 and 5)."""
    try:
        raw = json.loads(project.config_path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):
        return Limits()
    limits = raw.get("limits") if isinstance(raw, dict) else None
    if not isinstance(limits, dict):
        return Limits()
    return Limits(max_active=_count(limits.get("maxActiveIncrements"), DEFAULT_MAX_ACTIVE),
                  hard_cap=_count(limits.get("hardCap"), DEFAULT_HARD_CAP))


def _count(value: object, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else default


def rules_for(project: Project) -> Rules:
    """Read what the rules need: every increment in increments/ (SpecWeave never counts the archive)."""
    wip: set[str] = set()
    types: dict[str, str] = {}
    numbers: set[str] = set()
    for folder, archived in project.increment_dirs():
        data = _metadata(folder)
        types[folder.name] = str(data.get("type", ""))
        if archived:
            continue
        numbers.add(_number(folder.name))
        if data.get("status") in WIP_STATUSES:
            wip.add(folder.name)
    return Rules(limits=read_limits(project), wip=frozenset(wip), active=frozenset(read_active(project)),
                 types=types, main_numbers=frozenset(numbers))


def _number(name: str) -> str:
    match = re.match(r"^\d+[A-Za-z]?", name)
    return match.group(0) if match else name


def _metadata(folder: Path) -> dict[str, Any]:
    try:
        data = json.loads((folder / METADATA).read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


# -- the active list --------------------------------------------------------------------------------------------

def active_list_path(project: Project) -> Path:
    return project.state_dir / ACTIVE_LIST


def read_active(project: Project) -> list[str]:
    """The ids in active-increment.json (its old ``{"id"}`` shape too); [] when absent or unreadable."""
    try:
        data = json.loads(active_list_path(project).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(data, dict):
        return []
    if isinstance(data.get("id"), str) and "ids" not in data:
        return [data["id"]]
    ids = data.get("ids")
    return [i for i in ids if isinstance(i, str)] if isinstance(ids, list) else []


def update_active_list(project: Project, inc_id: str, status: Status, now: datetime) -> None:
    """What SpecWeave's `updateStatus` does to active-increment.json after moving `inc_id` to `status`."""
    if status is Status.READY_FOR_REVIEW or status is Status.PLANNING:
        return
    if status is Status.ACTIVE:
        current = read_active(project)
        if inc_id in current:
            return
        ids = [*current, inc_id][:ACTIVE_LIST_MAX]
    else:
        found: list[tuple[str, str]] = []
        for folder, archived in project.increment_dirs():
            data = _metadata(folder)
            if not archived and data.get("status") == Status.ACTIVE.value:
                found.append((str(data.get("lastActivity", "")), folder.name))
        ids = [name for _, name in sorted(found, reverse=True)][:ACTIVE_LIST_MAX]
    body = json.dumps({"ids": ids, "lastUpdated": format_utc(now)}, indent=2)
    path = active_list_path(project)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, body.encode("utf-8"), shown=".specweave/state/" + ACTIVE_LIST)


# -- the archive ------------------------------------------------------------------------------------------------

def restore_from_archive(project: Project, inc: Increment) -> Path:
    """Move an archived increment back to increments/ as SpecWeave's archiver `restore` does (the folder only;
    living docs are left to SpecWeave). Returns the new folder; RuleRefused when the number is taken."""
    target = project.increments_dir / inc.path.name
    taken = [f.name for f, archived in project.increment_dirs() if not archived and _number(f.name) == inc.number]
    if target.exists() or taken:
        raise RuleRefused(f"{inc.id} is archived and increment number {inc.number} already exists in increments/ "
                          f"({', '.join(taken) or target.name}); it was not restored",
                          hint="archive or rename the other increment first, then answer again")
    shutil.move(str(inc.path), str(target))
    return target


# -- one status change, with the rules ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Applied:
    """A status change made under SpecWeave's rules: the increment re-read, and what the rules said."""

    increment: Increment
    warnings: tuple[str, ...] = ()
    restored: bool = False


def check_status(project: Project, inc: Increment, target: Status) -> Verdict:
    """SpecWeave's rules on moving `inc` to `target` now; RuleRefused when they forbid it."""
    verdict = rules_for(project).verdict(inc, target)
    if verdict.refused is not None:
        raise RuleRefused(f"{inc.id} → {target.value}: {verdict.refused}",
                          hint="answer with another status (`weavesync resolve ID --status S`) or decline")
    return verdict


def apply_status(project: Project, inc: Increment, target: Status, *, now: datetime,
                 reason: str | None = None) -> Applied:
    """Move `inc` to `target` as SpecWeave's CLI would: refuse what its rules forbid (RuleRefused, nothing
    written), bring an archived increment back first, write the status (`writer.set_status`, compare-and-swap),
    then update the active list. A change that is not needed does nothing."""
    from weavesync.specweave.writer import set_status  # writer imports the increment model; keep this module light

    if inc.status == Status(target):
        return Applied(inc)
    verdict = check_status(project, inc, target)
    restored = False
    if verdict.restore:
        folder = restore_from_archive(project, inc)
        inc = replace(inc, path=folder, archived=False)
        restored = True
    fresh = set_status(inc, target, now=now, reason=reason)
    update_active_list(project, fresh.id, target, now)
    return Applied(fresh, verdict.warnings, restored)
