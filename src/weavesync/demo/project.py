"""The throwaway SpecWeave project the demo syncs: a config and four increments, written as SpecWeave writes them.

Each increment has one job in the story: 0001 is completed and then reopened from Jira, 0002 is closed by a
person on GitHub, 0003 meets a failing tracker, 0004 changes on both sides at once. The config points weavesync
at the sandbox's default places (GitHub acme/shop, Jira CORE, Azure DevOps acme/Shop) and picks
`last-write-wins` for conflicts, so step 4 is decided by the configured strategy rather than by a prompt.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from weavesync.errors import UsageError
from weavesync.model import Tracker

CONFLICT_STRATEGY = "last-write-wins"
CREATED = "2026-11-01T09:00:00.000Z"


@dataclass(frozen=True)
class DemoIncrement:
    """One increment of the demo project, and the trackers it is linked to."""

    id: str
    title: str
    trackers: tuple[Tracker, ...]


INCREMENTS: tuple[DemoIncrement, ...] = (
    DemoIncrement("0001-guest-checkout", "Guest checkout", (Tracker.GITHUB, Tracker.JIRA, Tracker.ADO)),
    DemoIncrement("0002-wishlist", "Wishlist", (Tracker.GITHUB, Tracker.ADO)),
    DemoIncrement("0003-search", "Product search", (Tracker.GITHUB,)),
    DemoIncrement("0004-payments", "Card payments", (Tracker.JIRA,)),
)
CHECKOUT, WISHLIST, SEARCH, PAYMENTS = INCREMENTS

CONFIG: dict[str, object] = {
    "project": {"name": "shop"},
    "sync": {
        "enabled": True,
        "github": {"enabled": True, "owner": "acme", "repo": "shop"},
        "jira": {"enabled": True, "domain": "acme.atlassian.net", "projectKey": "CORE"},
        "ado": {"enabled": True, "organization": "acme", "project": "Shop"},
        "statusSync": {"enabled": True, "promptUser": True, "autoSync": True,
                       "conflictResolution": CONFLICT_STRATEGY},
    },
}


def write_project(root: Path) -> None:
    """Create `.specweave/` in `root` with the config and the four increments, all `active`.

    Refuses a folder that already holds a SpecWeave project: the demo must never touch a real one.
    """
    specweave = root / ".specweave"
    if specweave.exists():
        raise UsageError(f"{root} already holds a .specweave folder; the demo needs an empty folder",
                         hint="pass --dir with a new or empty folder, or leave --dir out to use a temporary one")
    root.mkdir(parents=True, exist_ok=True)
    (specweave / "increments").mkdir(parents=True)
    (specweave / "config.json").write_text(json.dumps(CONFIG, indent=2) + "\n")
    for inc in INCREMENTS:
        folder = specweave / "increments" / inc.id
        folder.mkdir()
        metadata = {"id": inc.id, "status": "active", "type": "feature", "priority": "P1", "created": CREATED,
                    "lastActivity": CREATED, "testMode": "TDD", "coverageTarget": 80, "externalLinks": {},
                    "project": "shop"}
        (folder / "metadata.json").write_text(json.dumps(metadata, indent=2) + "\n")
        (folder / "spec.md").write_text(
            f"---\nincrement: {inc.id}\ntitle: \"{inc.title}\"\ntype: feature\npriority: P1\nstatus: active\n"
            f"structure: user-stories\n---\n\n# {inc.title}\n")


__all__ = ["CHECKOUT", "CONFIG", "CONFLICT_STRATEGY", "INCREMENTS", "PAYMENTS", "SEARCH", "WISHLIST",
           "DemoIncrement", "write_project"]
