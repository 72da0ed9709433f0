"""Keys of ``.specweave/config.json`` that SpecWeave and weavesync both read, and the shapes both accept.

SpecWeave 1.0.593 reads two keys of ``sync.statusSync`` (``dist/src/sync/status-mapper.js`` `getJiraCompletedStatus`
and `getAdoCompletedState`, ``dist/src/sync/sync-coordinator.js`` at its Jira and ADO closures):

- ``mappings.jira.completed``: must be a string (its caller lower-cases it; an object breaks Jira closure with
  ``toLowerCase is not a function``); absent means ``"Done"``;
- ``mappings.ado.completed``: a string or ``{"state": "..."}``; absent means the process template's closed state.
  An object without ``state`` makes SpecWeave's ADO closure target ``undefined``.

So weavesync writes only strings under ``mappings`` (``weavesync init``), and keeps its richer mapping (state
categories, close reasons, labels, tags, per-type states) under ``sync.statusSync.weavesyncMappings``, a key
SpecWeave never reads. weavesync reads both: ``mappings`` first, then ``weavesyncMappings`` on top, status by
status, so a config written by an older weavesync (objects under ``mappings``) keeps meaning the same;
`migrate_block` moves such objects (``weavesync init`` offers it with a diff).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from weavesync.config.mapping import status_from_key, tracker_from_name
from weavesync.model import Status, Tracker

RICH_KEY = "weavesyncMappings"
"""weavesync's own mapping key inside ``sync.statusSync`` (SpecWeave 1.0.593 does not read it)."""

SPECWEAVE_READS: Mapping[tuple[Tracker, Status], str] = {
    (Tracker.JIRA, Status.COMPLETED): "a string (the Jira status name)",
    (Tracker.ADO, Status.COMPLETED): 'a string or {"state": "..."} (the ADO state name)',
}
"""The mapping keys SpecWeave 1.0.593 reads, with the shape it needs."""


def merged_overrides(block: Mapping[str, Any]) -> dict[Tracker, dict[str, Any]]:
    """Per tracker, the status overrides weavesync applies: ``mappings`` then ``weavesyncMappings`` on top."""
    out: dict[Tracker, dict[str, Any]] = {}
    for key in ("mappings", RICH_KEY):
        raw = block.get(key)
        if not isinstance(raw, Mapping):
            continue
        for name, statuses in raw.items():
            tracker = tracker_from_name(str(name))
            if tracker is None or not isinstance(statuses, Mapping):
                continue
            mine = out.setdefault(tracker, {})
            for status_key, value in statuses.items():
                status = status_from_key(str(status_key))
                # one entry per status, whatever the spelling, the later block winning
                for old in [k for k in mine if status is not None and status_from_key(k) == status]:
                    del mine[old]
                mine[str(status_key)] = value
    return out


def breaks_specweave(tracker: Tracker, status: Status, value: object) -> bool:
    """Would SpecWeave 1.0.593 fail on `value` at ``mappings.<tracker>.<status>``?"""
    if (tracker, status) not in SPECWEAVE_READS:
        return False
    if isinstance(value, str):
        return False
    return not (tracker is Tracker.ADO and isinstance(value, Mapping) and isinstance(value.get("state"), str))


def specweave_shape_problems(block: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(tracker key, status key, the shape SpecWeave needs) for every ``mappings`` value SpecWeave cannot read."""
    raw = block.get("mappings")
    out: list[tuple[str, str, str]] = []
    if not isinstance(raw, Mapping):
        return out
    for name, statuses in raw.items():
        tracker = tracker_from_name(str(name))
        if tracker is None or not isinstance(statuses, Mapping):
            continue
        for status_key, value in statuses.items():
            status = status_from_key(str(status_key))
            if status is not None and breaks_specweave(tracker, status, value):
                out.append((str(name), str(status_key), SPECWEAVE_READS[(tracker, status)]))
    return out


def needs_migration(block: Mapping[str, Any]) -> bool:
    """Does ``mappings`` hold objects (weavesync's older layout) that belong under ``weavesyncMappings``?"""
    raw = block.get("mappings")
    return isinstance(raw, Mapping) and any(
        isinstance(statuses, Mapping) and any(isinstance(v, Mapping) for v in statuses.values())
        for statuses in raw.values())


def migrate_block(block: Mapping[str, Any]) -> dict[str, Any]:
    """`block` with every object under ``mappings`` moved to ``weavesyncMappings`` (an entry already there wins);
    where SpecWeave reads the key and the object names a state, ``mappings`` keeps that state as a string.
    weavesync reads the result exactly as it read `block` (tested)."""
    out = copy.deepcopy(dict(block))
    raw = out.get("mappings")
    if not isinstance(raw, dict):
        return out
    rich = out.setdefault(RICH_KEY, {})
    if not isinstance(rich, dict):
        return out
    for name in list(raw):
        statuses = raw[name]
        if not isinstance(statuses, dict):
            continue
        tracker = tracker_from_name(str(name))
        for status_key in list(statuses):
            value = statuses[status_key]
            if not isinstance(value, dict):
                continue
            target = rich.setdefault(name, {})
            status = status_from_key(str(status_key))
            already = any(status_from_key(str(k)) == status for k in target) if status is not None else False
            if not already:
                target[status_key] = value
            if tracker is not None and status is not None and (tracker, status) in SPECWEAVE_READS \
                    and isinstance(value.get("state"), str):
                statuses[status_key] = value["state"]
            else:
                del statuses[status_key]
        if not statuses:
            del raw[name]
    if not raw:
        del out["mappings"]
    return out
