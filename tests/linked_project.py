"""A SpecWeave project whose increment 0042-checkout is linked to GitHub acme/shop#1, as SpecWeave 1.0.x writes it.

The unit tests of the executor, the receiver and the sync commands all drive a fake GitHub-shaped tracker over
this one project, so it is written in one place (test helper; `tests/` is on the import path).
"""

from __future__ import annotations

import json
from pathlib import Path


def make_project(root: Path, *, status: str = "active") -> Path:
    """`root` as a project with one increment, 0042-checkout (`status`), linked to acme/shop#1."""
    specweave = root / ".specweave"
    specweave.mkdir(parents=True)
    (specweave / "config.json").write_text(json.dumps(
        {"project": {"name": "shop"}, "sync": {"github": {"enabled": True, "owner": "acme", "repo": "shop"}}},
        indent=2))
    add_increment(root, "0042-checkout", 1, status=status, title="Checkout")
    return root


def add_increment(root: Path, increment: str, issue: int, *, status: str = "active", title: str = "Spec") -> None:
    """One more increment in `root`'s project, linked to acme/shop#`issue`."""
    inc = root / ".specweave" / "increments" / increment
    inc.mkdir(parents=True)
    metadata = {"id": increment, "status": status, "type": "feature",
                "created": "2026-11-01T09:00:00.000Z", "lastActivity": "2026-11-01T09:00:00.000Z",
                "externalLinks": {"github": {"issueNumber": issue,
                                             "issueUrl": f"https://github.com/acme/shop/issues/{issue}",
                                             "repo": "acme/shop"}}}
    (inc / "metadata.json").write_text(json.dumps(metadata, indent=2))
    (inc / "spec.md").write_text(f"---\nincrement: {increment}\ntitle: {title}\nstatus: {status}\n---\n\n# Spec\n")
