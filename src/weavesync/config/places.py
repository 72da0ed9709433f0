"""Where each tracker lives, read from all three generations of SpecWeave's ``sync`` block.

SpecWeave configs in the wild mix generations (research: specweave.md §1.2), and 1.0.593 only counts a profile
when it says ``provider`` - the maintainer's own config says ``platform`` and works only through its legacy blocks.
weavesync reads them all and merges per key, in this order of precedence:

1. ``sync.statusSync.<tracker>`` (weavesync's own, explicit);
2. ``sync.profiles.<id>`` with ``provider`` or ``platform`` (github | jira | ado, also "azure-devops"); when a
   tracker has several profiles, the one named by ``sync.defaultProfile`` (newer) or ``sync.activeProfile``
   (older) wins, else the first in file order; the other profiles of that tracker are ignored;
3. legacy ``sync.github|jira|ado`` blocks, skipped when ``enabled`` is false.

A key missing from a stronger source is taken from a weaker one (a profile naming only ``projectKey`` still gets
the ``domain`` of the legacy block); `connection_for` reports keys that are still missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from weavesync.config.mapping import tracker_from_name
from weavesync.model import Tracker

PLACE_KEYS: Mapping[Tracker, tuple[str, str]] = {
    Tracker.GITHUB: ("owner", "repo"),
    Tracker.JIRA: ("domain", "projectKey"),
    Tracker.ADO: ("organization", "project"),
}


def read_places(sync: Mapping[str, Any]) -> tuple[dict[Tracker, dict[str, str]], dict[Tracker, tuple[str, ...]]]:
    """The configured place of every tracker named anywhere, and the JSON paths it was read from (for doctor)."""
    places: dict[Tracker, dict[str, str]] = {}
    sources: dict[Tracker, tuple[str, ...]] = {}
    for tracker, path, block in _candidates(sync):
        found = _place_keys(tracker, block)
        if not found:
            continue
        merged = places.setdefault(tracker, {})
        added = {k: v for k, v in found.items() if k not in merged}
        if added:
            merged.update(added)
            sources[tracker] = (*sources.get(tracker, ()), path)
    return places, sources


def _candidates(sync: Mapping[str, Any]) -> list[tuple[Tracker, str, Mapping[str, Any]]]:
    out: list[tuple[Tracker, str, Mapping[str, Any]]] = []
    status_sync = sync.get("statusSync")
    if isinstance(status_sync, Mapping):
        for tracker in Tracker:
            block = status_sync.get(tracker.value)
            if isinstance(block, Mapping):
                out.append((tracker, f"$.sync.statusSync.{tracker.value}", block))
    out += _profiles(sync)
    for key, block in sync.items():
        legacy = tracker_from_name(str(key))
        if legacy is None or not isinstance(block, Mapping) or block.get("enabled") is False:
            continue
        out.append((legacy, f"$.sync.{key}", block))
    return out


def _profiles(sync: Mapping[str, Any]) -> list[tuple[Tracker, str, Mapping[str, Any]]]:
    profiles = sync.get("profiles")
    if not isinstance(profiles, Mapping):
        return []
    preferred = [p for p in (sync.get("defaultProfile"), sync.get("activeProfile")) if isinstance(p, str)]
    found: list[tuple[int, Tracker, str, Mapping[str, Any]]] = []
    for order, (name, profile) in enumerate(profiles.items()):
        if not isinstance(profile, Mapping):
            continue
        kind = profile.get("provider", profile.get("platform"))
        tracker = tracker_from_name(kind) if isinstance(kind, str) else None
        config = profile.get("config")
        if tracker is None or not isinstance(config, Mapping):
            continue
        rank = preferred.index(name) if name in preferred else len(preferred) + order
        found.append((rank, tracker, f"$.sync.profiles.{name}.config", config))
    found.sort(key=lambda row: row[0])
    best: dict[Tracker, tuple[str, Mapping[str, Any]]] = {}
    for _rank, tracker, path, config in found:
        best.setdefault(tracker, (path, config))  # other profiles of a tracker are alternatives, not fallbacks
    return [(tracker, path, config) for tracker, (path, config) in best.items()]


def _place_keys(tracker: Tracker, block: Mapping[str, Any]) -> dict[str, str]:
    out = {key: block[key].strip() for key in PLACE_KEYS[tracker]
           if isinstance(block.get(key), str) and block[key].strip()}
    if tracker is Tracker.JIRA and "projectKey" not in out:
        key = _first_project_key(block.get("projects"))
        if key:
            out["projectKey"] = key
    return out


def _first_project_key(projects: object) -> str | None:
    """Jira profiles may list ``projects: ["CORE", ...]`` or ``[{key: "CORE"}]`` instead of one projectKey."""
    if not isinstance(projects, list) or not projects:
        return None
    first = projects[0]
    if isinstance(first, str):
        return first.strip() or None
    if isinstance(first, Mapping) and isinstance(first.get("key"), str):
        return str(first["key"]).strip() or None
    return None
