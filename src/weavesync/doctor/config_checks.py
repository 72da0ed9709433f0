"""Doctor checks that need no network: is the config valid, what it warns about, and is every status mapped.

`load_checked` never raises for a bad config: an invalid file is exactly what doctor must report, with every
problem and its JSON path (the same list `weavesync config validate` prints), and the remaining checks that do not
need the config (outbox, decisions, credentials in the environment) still run.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from weavesync.config import Problem, SyncConfig, load_config, validate_config
from weavesync.config.mapping import default_mappings
from weavesync.doctor.finding import Finding
from weavesync.errors import ConfigError
from weavesync.model import Status, Tracker

CHECK = "config"


def load_checked(config_path: Path, env: Mapping[str, str]) -> tuple[SyncConfig | None, list[Finding]]:
    """The loaded config (None when it is invalid) and the findings about it."""
    try:
        config = load_config(config_path, env=env)
    except ConfigError as exc:
        return None, _invalid(config_path, exc)
    return config, config_findings(config_path, config)


def _raw(path: Path) -> Mapping[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _invalid(path: Path, exc: ConfigError) -> list[Finding]:
    raw = _raw(path)
    problems = [p for p in validate_config(raw) if p.severity == "error"] if raw is not None else []
    if not problems:  # unreadable or not JSON: the loader's own message says where
        return [Finding(CHECK, "error", exc.message, exc.hint or f"fix {path.name} so that it is a JSON object")]
    return [_problem(p) for p in problems]


def _problem(problem: Problem) -> Finding:
    return Finding(CHECK, "error" if problem.severity == "error" else "warning", f"{problem.path}: {problem.message}",
                   f"correct or remove {problem.path} in .specweave/config.json, then run `weavesync config validate`")


def config_findings(path: Path, config: SyncConfig) -> list[Finding]:
    """Findings about a config that loaded: its warnings, a missing block, a disabled sync."""
    raw = _raw(path)
    sync = raw.get("sync") if raw is not None else None
    out = [_problem(p) for p in config.warnings]
    if raw is None:
        out.append(Finding(CHECK, "info", f"{path.name} not found: the default mappings apply",
                           "create the project with `specweave init`, then run `weavesync init`"))
    elif not (isinstance(sync, Mapping) and isinstance(sync.get("statusSync"), Mapping)):
        out.append(Finding(CHECK, "info", "no sync.statusSync block: the default mappings and policy apply",
                           "run `weavesync init` to write the defaults into config.json where you can edit them"))
    if not config.enabled:
        out.append(Finding(CHECK, "warning", "sync.statusSync.enabled is false: weavesync syncs nothing",
                           "set sync.statusSync.enabled to true in .specweave/config.json"))
    if not out or all(f.severity == "info" for f in out):
        out.insert(0, Finding(CHECK, "ok", f"{path.name} is valid", None))
    return out


def mapping_findings(config: SyncConfig, trackers: Iterable[Tracker]) -> list[Finding]:
    """One finding per tracker in use: every status has something to write (validation refuses a config where one
    has not), and which statuses the config customises, so a reader knows where the defaults still apply."""
    defaults = default_mappings()
    out: list[Finding] = []
    for tracker in trackers:
        mapping = config.mappings[tracker]
        unmapped = [s.value for s in Status
                    if mapping.target(s).state is None and mapping.target(s).category is None]
        if unmapped:
            out.append(Finding("mapping", "error", f"no state or category to write for: {', '.join(unmapped)}",
                               f"map each of them under sync.statusSync.mappings.{tracker.value}",
                               tracker=tracker.value))
            continue
        custom = [s.value for s in Status if mapping.target(s) != defaults[tracker].target(s)]
        detail = f"customised: {', '.join(custom)}" if custom else "all defaults"
        out.append(Finding("mapping", "ok", f"all {len(Status)} statuses are mapped ({detail})", None,
                           tracker=tracker.value))
    return out
