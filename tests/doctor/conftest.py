"""A running sandbox of all three trackers, and small SpecWeave projects wired to it, for the doctor tests.

Tests only read the seeded items (CORE-1..4 in Jira, acme/Shop/1..7 in Azure DevOps, acme/shop#1..3 on GitHub)
or create their own, so they can share one sandbox for the whole session.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from weavesync.sandbox import Sandbox
from weavesync.specweave import Project

PLACES: dict[str, dict[str, str]] = {
    "github": {"owner": "acme", "repo": "shop"},
    "jira": {"domain": "acme", "projectKey": "CORE"},
    "ado": {"organization": "acme", "project": "Shop"},
}


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox() as running:
        yield running


@pytest.fixture()
def env(sandbox: Sandbox) -> dict[str, str]:
    """The bot's credentials and the sandbox URLs; nothing from the real environment leaks in."""
    return {k: v for k, v in sandbox.env().items() if not k.startswith("SANDBOX_")}


MakeProject = Callable[..., Project]


@pytest.fixture()
def make_project(tmp_path: Path) -> MakeProject:
    """`make_project(trackers=("jira",), links={"0001-a": {"jira": {"issue": "CORE-2"}}}, block={...})`."""

    def make(trackers: tuple[str, ...] = (), links: dict[str, dict[str, Any]] | None = None,
             block: dict[str, Any] | None = None, raw_config: str | None = None) -> Project:
        root = tmp_path / "proj"
        (root / ".specweave" / "increments").mkdir(parents=True, exist_ok=True)
        status_sync: dict[str, Any] = {t: dict(PLACES[t]) for t in trackers}
        for key, value in (block or {}).items():
            if isinstance(value, dict) and isinstance(status_sync.get(key), dict):
                status_sync[key] |= value
            else:
                status_sync[key] = value
        text = raw_config if raw_config is not None else json.dumps({"sync": {"statusSync": status_sync}}, indent=2)
        (root / ".specweave" / "config.json").write_text(text, encoding="utf-8")
        for inc_id, extra in (links or {}).items():
            folder = root / ".specweave" / "increments" / inc_id
            folder.mkdir(parents=True, exist_ok=True)
            meta = {"id": inc_id, "status": "active", "created": "2026-11-24T02:44:29.992Z", **extra}
            (folder / "metadata.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
        return Project(root)

    return make
