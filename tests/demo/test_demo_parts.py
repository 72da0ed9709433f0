"""The demo's small parts, without a sandbox: Jira hop wording, the project it writes, its own answers, events."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from weavesync.demo import Heading, Line, Table, plain_text, to_json
from weavesync.demo.project import INCREMENTS, write_project
from weavesync.demo.steps import jira_hops
from weavesync.errors import UsageError
from weavesync.model import Status
from weavesync.specweave import find_project


def history(author: str, *items: tuple[str, str | None, str | None]) -> dict[str, object]:
    return {"author": {"displayName": author},
            "items": [{"field": f, "fromString": a, "toString": b} for f, a, b in items]}


def test_jira_hops_name_each_transition_and_the_resolution() -> None:
    hops = jira_hops([
        history("weavesync bot", ("status", "In Progress", "In Review")),
        history("weavesync bot", ("resolution", None, "Done"), ("status", "In Review", "Done")),
        history("Alice Example", ("labels", None, "x")),
    ])
    assert hops == ["transition In Progress → In Review (by weavesync bot)",
                    "transition In Review → Done, resolution Done (by weavesync bot)"]


def test_the_project_is_a_readable_specweave_project(tmp_path: Path) -> None:
    write_project(tmp_path)
    scan = find_project(tmp_path).scan()
    assert not scan.problems
    assert [(inc.id, inc.status) for inc in scan.increments] == [(i.id, Status.ACTIVE) for i in INCREMENTS]
    config = json.loads((tmp_path / ".specweave" / "config.json").read_text())
    assert config["sync"]["statusSync"]["conflictResolution"] == "last-write-wins"
    with pytest.raises(UsageError):
        write_project(tmp_path)


def test_events_as_json_and_text() -> None:
    table = Table("Attempts", ["Attempt", "Result"], [["1", "refused"]])
    assert to_json(table) == {"kind": "table", "title": "Attempts", "columns": ["Attempt", "Result"],
                              "rows": [["1", "refused"]]}
    assert plain_text(table) == "Attempts\nAttempt | Result\n1 | refused"
    assert plain_text(Heading(3, "Failures")) == "Step 3: Failures"
    assert to_json(Line("hi", "warn")) == {"kind": "line", "text": "hi", "tone": "warn"}
