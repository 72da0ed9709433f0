"""Check a whole ``.specweave/config.json`` before the first write, and report every problem at once.

Shapes are checked against `status_sync_schema`; meanings here: status keys, GitHub states and close reasons,
Jira category keys, ADO categories and state names, and collisions (two statuses whose targets a tracker cannot
tell apart). Each problem names its JSON path (``$.sync.statusSync.mappings.github.paused.labels[0]``) so the CLI
and ``doctor`` can point at the exact spot. Errors stop `load_config`; warnings are kept for ``doctor``.

What only the live tracker can answer (does this Jira workflow have "On Hold"? does this ADO process have it?) is
a warning at most: ``weavesync doctor`` checks it against the tracker.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any, Literal

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from weavesync.config.ado_states import CATEGORIES, canonical_category, known_state_categories
from weavesync.config.mapping import (
    GITHUB_REASONS,
    GITHUB_STATES,
    JIRA_CATEGORIES,
    TERMINAL,
    TrackerMapping,
    build_mapping,
    status_from_key,
    tracker_from_name,
)
from weavesync.config.schema import status_sync_schema
from weavesync.config.shapes import RICH_KEY, merged_overrides, specweave_shape_problems
from weavesync.model import Status, Target, Tracker

Severity = Literal["error", "warning"]

STATUS_SYNC_PATH = "$.sync.statusSync"
_KNOWN_BLOCK_KEYS = frozenset(status_sync_schema()["properties"])
_LEGACY_CONFLICT = frozenset({"prompt", "prefer-local", "prefer-external"})
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the config: where (JSON path), what, and whether it stops a sync."""

    path: str
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        return f"{self.severity}: {self.path}: {self.message}"


def json_path(base: str, *parts: str | int) -> str:
    """Extend a JSON path: names as ``.name`` (or ``['odd name']``), indices as ``[i]``."""
    out = base
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _IDENT.match(part):
            out += f".{part}"
        else:
            out += "['" + part.replace("'", "\\'") + "']"
    return out


def validate_config(raw: Mapping[str, Any]) -> list[Problem]:
    """Every problem of a parsed config.json, errors and warnings, in document order per section."""
    sync = raw.get("sync")
    if sync is None:
        return []
    if not isinstance(sync, Mapping):
        return [Problem("$.sync", "must be an object")]
    problems: list[Problem] = []
    problems += _check_older_blocks(sync)
    block = sync.get("statusSync")
    if block is None:
        return problems
    if not isinstance(block, Mapping):
        return [*problems, Problem(STATUS_SYNC_PATH, "must be an object")]
    problems += _schema_problems(block)
    for key in block:
        if key not in _KNOWN_BLOCK_KEYS:
            problems.append(Problem(json_path(STATUS_SYNC_PATH, key), "unknown key, ignored", "warning"))
    resolutions = _resolutions(block, problems)
    for tracker_key, status_key, shape in specweave_shape_problems(block):
        problems.append(Problem(json_path(STATUS_SYNC_PATH, "mappings", tracker_key, status_key),
                                f"SpecWeave reads this key and needs {shape}; this value breaks its own sync. "
                                f"Move it under {RICH_KEY} (`weavesync init` offers the migration)", "warning"))
    mappings = block.get("mappings")
    if isinstance(block.get(RICH_KEY), Mapping):  # checked as weavesync reads them: the two blocks merged
        merged = {t.value: v for t, v in merged_overrides(block).items()}
        problems += _mapping_problems(merged, resolutions, RICH_KEY)
    elif isinstance(mappings, Mapping):
        problems += _mapping_problems(mappings, resolutions)
    return problems


def _schema_problems(block: Mapping[str, Any]) -> list[Problem]:
    validator = Draft202012Validator(status_sync_schema())
    out: list[Problem] = []
    for error in sorted(validator.iter_errors(block), key=lambda e: [str(p) for p in e.absolute_path]):
        out.extend(_from_schema_error(error))
    return out


def _from_schema_error(error: ValidationError) -> Iterable[Problem]:
    parts: list[str | int] = [p if isinstance(p, int) else str(p) for p in error.absolute_path]
    base = json_path(STATUS_SYNC_PATH, *parts)
    if error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
        allowed = error.schema.get("properties", {}) if isinstance(error.schema, Mapping) else {}
        extra = [k for k in error.instance if k not in allowed]
        names = ", ".join(sorted(allowed))
        return [Problem(json_path(base, str(k)), f"unknown key; allowed: {names}") for k in extra]
    return [Problem(base, error.message)]


def _resolutions(block: Mapping[str, Any], problems: list[Problem]) -> dict[Status, str]:
    jira = block.get("jira")
    raw = jira.get("resolutions") if isinstance(jira, Mapping) else None
    out: dict[Status, str] = {}
    if not isinstance(raw, Mapping):
        return out
    base = json_path(STATUS_SYNC_PATH, "jira", "resolutions")
    for key, value in raw.items():
        status = status_from_key(str(key))
        if status is None:
            problems.append(Problem(json_path(base, str(key)), _unknown_status(str(key))))
        elif isinstance(value, str):
            out[status] = value
            if status not in TERMINAL:
                problems.append(Problem(json_path(base, str(key)),
                                        "a resolution only applies to done statuses (completed, abandoned)",
                                        "warning"))
    return out


def _unknown_status(key: str) -> str:
    return f"'{key}' is not a SpecWeave status; expected one of {', '.join(s.value for s in Status)}"


def _mapping_problems(mappings: Mapping[str, Any], resolutions: Mapping[Status, str],
                      where: str = "mappings") -> list[Problem]:
    problems: list[Problem] = []
    base = json_path(STATUS_SYNC_PATH, where)
    for tracker_key, block in mappings.items():
        tracker = tracker_from_name(str(tracker_key))
        path = json_path(base, str(tracker_key))
        if tracker is None:
            problems.append(Problem(path, "not a tracker weavesync syncs (github, jira, ado); ignored", "warning"))
            continue
        if not isinstance(block, Mapping):
            continue  # the schema reported it
        problems += _tracker_problems(tracker, block, path, resolutions)
    return problems


def _tracker_problems(
    tracker: Tracker, block: Mapping[str, Any], path: str, resolutions: Mapping[Status, str]
) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[Status, str] = {}
    for key, value in block.items():
        key_path = json_path(path, str(key))
        status = status_from_key(str(key))
        if status is None:
            problems.append(Problem(key_path, _unknown_status(str(key))))
            continue
        if status.value != str(key):
            problems.append(Problem(key_path, f"'{key}' read as '{status.value}'; write '{status.value}'", "warning"))
        if status in seen:
            problems.append(Problem(key_path, f"'{status.value}' is already mapped by '{seen[status]}'"))
        seen[status] = str(key)
        problems += _value_problems(tracker, status, value, key_path)
    mapping = build_mapping(tracker, block, jira_resolutions=resolutions)
    problems += _completeness_problems(mapping, path)
    problems += _collision_problems(mapping, frozenset(seen), path)
    return problems


def _value_problems(tracker: Tracker, status: Status, value: object, path: str) -> list[Problem]:
    if isinstance(value, str):
        fields: Mapping[str, Any] = {"state": value}
        state_path = path
    elif isinstance(value, Mapping):
        fields = value
        state_path = json_path(path, "state")
    else:
        return []  # the schema reported it
    checks = {Tracker.GITHUB: _github_value, Tracker.JIRA: _jira_value, Tracker.ADO: _ado_value}[tracker]
    return checks(status, fields, path, state_path)


def _github_value(status: Status, fields: Mapping[str, Any], path: str, state_path: str) -> list[Problem]:
    out: list[Problem] = []
    state = fields.get("state")
    if isinstance(state, str) and state.casefold() not in GITHUB_STATES:
        out.append(Problem(state_path, f"GitHub issues are only 'open' or 'closed', not '{state}'"))
    reason = fields.get("reason")
    if isinstance(reason, str):
        if reason not in GITHUB_REASONS:
            out.append(Problem(json_path(path, "reason"),
                               f"GitHub close reason must be one of {', '.join(GITHUB_REASONS)}, not '{reason}'"))
        if isinstance(state, str) and state.casefold() == "open":
            out.append(Problem(json_path(path, "reason"), "a close reason needs state 'closed'"))
    if "category" in fields:
        out.append(Problem(json_path(path, "category"), "GitHub issues have no state categories"))
    if "tags" in fields:
        out.append(Problem(json_path(path, "tags"), "GitHub calls them labels; read as labels", "warning"))
    return out


def _jira_value(status: Status, fields: Mapping[str, Any], path: str, state_path: str) -> list[Problem]:
    out: list[Problem] = []
    category = fields.get("category")
    if isinstance(category, str) and category.casefold() not in JIRA_CATEGORIES:
        out.append(Problem(json_path(path, "category"),
                           f"Jira status category key must be one of {', '.join(JIRA_CATEGORIES)}, not '{category}'"))
    for key in ("labels", "tags"):
        if key in fields:
            out.append(Problem(json_path(path, key), "Jira mappings name a status; labels are not managed in Jira"))
    return out


def _ado_value(status: Status, fields: Mapping[str, Any], path: str, state_path: str) -> list[Problem]:
    out: list[Problem] = []
    category = fields.get("category")
    if isinstance(category, str) and canonical_category(category) is None:
        out.append(Problem(json_path(path, "category"),
                           f"ADO state category must be one of {', '.join(CATEGORIES)}, not '{category}'"))
    state = fields.get("state")
    if isinstance(state, str) and not known_state_categories(state):
        out.append(Problem(state_path,
                           f"'{state}' is not a state of any default ADO process (Basic, Agile, Scrum, CMMI); "
                           "it cannot be checked offline - run `weavesync doctor` to check it against your "
                           "organization", "warning"))
    if "reason" in fields:
        out.append(Problem(json_path(path, "reason"), "ADO mappings take a state or category, not a reason"))
    if "labels" in fields:
        out.append(Problem(json_path(path, "labels"), "ADO calls them tags; read as tags", "warning"))
    return out


def _completeness_problems(mapping: TrackerMapping, path: str) -> list[Problem]:
    return [
        Problem(json_path(path, status.value), "no state or category to write for this status")
        for status, target in mapping.targets.items()
        if target.state is None and target.category is None
    ]


def _collision_problems(mapping: TrackerMapping, user_set: frozenset[Status], path: str) -> list[Problem]:
    """Pairs of statuses the tracker cannot tell apart.

    An error when one of them is completed or abandoned (an inbound close or reopen would be ambiguous and a
    finished increment could read as open); a warning otherwise, and only when the user set one of them and the
    defaults do not already overlap there (the defaults' planning/backlog overlap in Jira is deliberate, see
    `weavesync.config.mapping`, and restating it in the config is not news).
    """
    defaults = build_mapping(mapping.tracker, None)
    out: list[Problem] = []
    for a, b in combinations(list(Status), 2):
        if not indistinguishable(mapping.tracker, mapping.target(a), mapping.target(b)):
            continue
        terminal = a in TERMINAL or b in TERMINAL
        if not terminal and (
            not ({a, b} & user_set)
            or indistinguishable(mapping.tracker, defaults.target(a), defaults.target(b))
        ):
            continue
        where = b if b in user_set or a not in user_set else a
        message = (f"'{a.value}' and '{b.value}' map to targets {mapping.tracker.value} cannot tell apart "
                   f"({describe(mapping.target(a))}); add a label/tag or use different states")
        out.append(Problem(json_path(path, where.value), message, "error" if terminal else "warning"))
    return out


def indistinguishable(tracker: Tracker, a: Target, b: Target) -> bool:
    """Could one external state satisfy both targets? (same state or category, same managed markers)"""
    if {m.casefold() for m in a.markers} != {m.casefold() for m in b.markers}:
        return False
    if tracker is Tracker.GITHUB:
        if (a.state or "").casefold() != (b.state or "").casefold():
            return False
        return a.reason is None or b.reason is None or a.reason == b.reason
    if a.state is not None and b.state is not None:
        return a.state.casefold() == b.state.casefold()
    if a.state is None and b.state is None:
        return (a.category or "").casefold() == (b.category or "").casefold()
    named, only_category = (a, b) if a.state is not None else (b, a)
    wanted = (only_category.category or "").casefold()
    categories = {c.casefold() for c in _categories_of(tracker, named)}
    return wanted in categories


def _categories_of(tracker: Tracker, target: Target) -> Sequence[str]:
    found = list(known_state_categories(target.state or "")) if tracker is Tracker.ADO else []
    if target.category is not None:
        found.append(target.category)
    return found


def describe(target: Target) -> str:
    """A short human form of a target, for messages: ``closed (not_planned) + wontfix``."""
    text = target.state if target.state is not None else f"category {target.category}"
    if target.reason:
        text += f" ({target.reason})"
    if target.markers:
        text += " + " + ", ".join(sorted(target.markers))
    return text


def _check_older_blocks(sync: Mapping[str, Any]) -> list[Problem]:
    """Warnings only: these blocks belong to SpecWeave; weavesync reads what it can and ignores the rest."""
    out: list[Problem] = []
    settings = sync.get("settings")
    if isinstance(settings, Mapping):
        value = settings.get("conflictResolution")
        if value is not None and value not in _LEGACY_CONFLICT:
            out.append(Problem("$.sync.settings.conflictResolution",
                               f"expected one of {', '.join(sorted(_LEGACY_CONFLICT))}; ignored", "warning"))
    profiles = sync.get("profiles")
    if profiles is not None and not isinstance(profiles, Mapping):
        out.append(Problem("$.sync.profiles", "must be an object; ignored", "warning"))
    elif isinstance(profiles, Mapping):
        for name, profile in profiles.items():
            if not isinstance(profile, Mapping):
                continue
            kind = profile.get("provider", profile.get("platform"))
            if isinstance(kind, str) and tracker_from_name(kind) is None:
                key = "provider" if "provider" in profile else "platform"
                out.append(Problem(json_path("$.sync.profiles", str(name), key),
                                   f"'{kind}' is not a tracker weavesync syncs; profile ignored", "warning"))
    return out
