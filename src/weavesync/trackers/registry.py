"""The only module that names every tracker. Adding a tracker is one line here plus its own folder."""

from __future__ import annotations

import importlib

from weavesync.model import Tracker
from weavesync.trackers.base import TrackerKind

_KINDS: dict[Tracker, str] = {
    Tracker.GITHUB: "weavesync.trackers.github",
    Tracker.JIRA: "weavesync.trackers.jira",
    Tracker.ADO: "weavesync.trackers.azure_devops",
}


def kind(tracker: Tracker | str) -> TrackerKind:
    """The `TrackerKind` of a tracker; each package exposes it as the module attribute ``KIND``."""
    module = importlib.import_module(_KINDS[Tracker(tracker)])
    found: TrackerKind = module.KIND
    return found


def all_kinds() -> list[TrackerKind]:
    return [kind(t) for t in _KINDS]
