"""The demo's small parts, without a sandbox: Jira hop wording, the project it writes, its own answers, events."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from weavesync.demo import NO_TERMINAL, Heading, Line, Table, answer_yes, plain_text, to_json
from weavesync.demo.project import INCREMENTS, write_project
from weavesync.demo.steps import jira_hops
from weavesync.engine import Ask
from weavesync.errors import UsageError
from weavesync.model import ExternalState, Link, Status, Tracker
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


def ask(choices: tuple[str, ...]) -> Ask:
    now = datetime(2026, 11, 24, 10, tzinfo=UTC)
    return Ask(reason="closed by alice", kind="inbound", proposed=Status.COMPLETED, choices=choices,
               increment="0002-wishlist", link=Link(Tracker.GITHUB, "acme/shop#5"), local=Status.ACTIVE,
               external=ExternalState("closed", reason="completed"), external_text="closed (completed)",
               base_external=None, remote_version="v2", changed_by="alice", changed_at=now, title=None, url=None,
               question="Mark increment 0002-wishlist as `completed`?", decided_at=now)


def test_without_a_terminal_the_demo_says_it_answers_yes() -> None:
    shown: list[object] = []
    answer = answer_yes(shown.append)(ask(("yes", "no", "custom", "skip")))
    assert answer is not None and answer.choice == "yes"
    assert [e.text for e in shown if isinstance(e, Line)] == ["Mark increment 0002-wishlist as `completed`?",
                                                              NO_TERMINAL]


def test_a_question_without_yes_is_left_pending_not_guessed() -> None:
    shown: list[object] = []
    assert answer_yes(shown.append)(ask(("use-specweave", "use-external", "skip"))) is None
    assert NO_TERMINAL not in [e.text for e in shown if isinstance(e, Line)]


def test_events_as_json_and_text() -> None:
    table = Table("Attempts", ["Attempt", "Result"], [["1", "refused"]])
    assert to_json(table) == {"kind": "table", "title": "Attempts", "columns": ["Attempt", "Result"],
                              "rows": [["1", "refused"]]}
    assert plain_text(table) == "Attempts\nAttempt | Result\n1 | refused"
    assert plain_text(Heading(3, "Failures")) == "Step 3: Failures"
    assert to_json(Line("hi", "warn")) == {"kind": "line", "text": "hi", "tone": "warn"}
