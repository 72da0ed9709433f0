"""Unit tests of the doctor's pure parts, with an in-memory adapter that counts its calls."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from weavesync.config import default_mappings
from weavesync.config.mapping import build_mapping
from weavesync.doctor import Finding, broken, count
from weavesync.doctor.workflows import check_workflows, reach
from weavesync.model import ExternalState, Link, RemoteItem, Tracker
from weavesync.trackers.base import Workflow, WorkflowStatus


@dataclass
class CountingAdapter:
    """Enough of a TrackerAdapter for the workflow checks: read_many and describe_workflow, counted."""

    tracker: Tracker
    items: dict[str, RemoteItem]
    workflow: Workflow
    reads: list[int] = field(default_factory=list)
    described: list[tuple[str | None, str | None]] = field(default_factory=list)

    def read_many(self, items: Sequence[str], managed: frozenset[str]) -> dict[str, RemoteItem | None]:
        self.reads.append(len(items))
        return {i: self.items.get(i) for i in items}

    def describe_workflow(self, item: str | None = None, item_type: str | None = None) -> Workflow:
        self.described.append((item, item_type))
        return self.workflow


def ado_item(number: int, kind: str, state: str = "Active") -> RemoteItem:
    return RemoteItem(link_item=f"acme/Shop/{number}", tracker=Tracker.ADO, state=ExternalState(state),
                      version="1", item_type=kind, project="Shop")


ODD_TYPE = Workflow("Ticket", [WorkflowStatus("Open", "InProgress"), WorkflowStatus("Shut", "Completed")],
                    {"Open": ["Shut"], "Shut": ["Open"]})


def test_workflow_read_once_per_project_and_type_not_per_item() -> None:
    items = {f"acme/Shop/{n}": ado_item(n, "Bug" if n % 2 else "Task") for n in range(1, 41)}
    adapter = CountingAdapter(Tracker.ADO, items, ODD_TYPE)
    linked = {Tracker.ADO: [(f"{n:04d}-x", Link(Tracker.ADO, item)) for n, item in enumerate(items)]}
    check_workflows(linked, {Tracker.ADO: adapter}, default_mappings(), {})  # type: ignore[dict-item]
    assert adapter.reads == [40]
    assert sorted(kind for _item, kind in adapter.described) == ["Bug", "Task"]


def test_jira_described_once_per_distinct_current_status() -> None:
    workflow = Workflow("Task", [WorkflowStatus(n, c, str(i)) for i, (n, c) in enumerate(
        [("To Do", "new"), ("In Progress", "indeterminate"), ("In Review", "indeterminate"),
         ("On Hold", "indeterminate"), ("Done", "done"), ("Won't Do", "done")])], {})
    items = {f"CORE-{n}": RemoteItem(f"CORE-{n}", Tracker.JIRA, ExternalState("To Do" if n % 2 else "Done"),
                                     "v", item_type="Task", project="CORE") for n in range(1, 11)}
    adapter = CountingAdapter(Tracker.JIRA, items, workflow)
    linked = {Tracker.JIRA: [("0001-a", Link(Tracker.JIRA, key)) for key in items]}
    findings = check_workflows(linked, {Tracker.JIRA: adapter}, default_mappings(), {})  # type: ignore[dict-item]
    assert len(adapter.described) == 2
    assert {f.severity for f in findings} <= {"ok", "info"}


def test_state_no_type_can_express_is_an_error() -> None:
    items = {"acme/Shop/1": ado_item(1, "Ticket", "Open")}
    adapter = CountingAdapter(Tracker.ADO, items, ODD_TYPE)
    mappings = default_mappings() | {Tracker.ADO: build_mapping(Tracker.ADO, {"paused": {"category": "Removed"}})}
    # Removed falls back to Completed ("Shut"): fine. Proposed falls back to InProgress ("Open"): fine. So make a
    # type with no Completed state at all.
    adapter.workflow = Workflow("Ticket", [WorkflowStatus("Open", "InProgress")], {})
    findings = check_workflows({Tracker.ADO: [("0001-a", Link(Tracker.ADO, "acme/Shop/1"))]},
                               {Tracker.ADO: adapter}, mappings, {})  # type: ignore[dict-item]
    errors = [f for f in findings if f.severity == "error"]
    assert sorted(f.message.split("'")[1] for f in errors) == ["abandoned", "completed", "paused"]
    assert all("Proposed, InProgress, Resolved, Completed, Removed" in (f.fix or "") for f in errors)


@pytest.mark.parametrize(("transitions", "start", "goals", "expected"), [
    ({"A": ["B"], "B": ["C"], "C": []}, "A", ["C"], "yes"),
    ({"A": ["B"], "B": ["A"]}, "A", ["C"], "no"),
    ({"A": ["B"]}, "A", ["C"], "unknown"),
    ({"a": ["b"], "b": ["c"]}, "A", ["C"], "yes"),  # Jira status names compare case-insensitively
    ({}, "Done", ["done"], "yes"),
])
def test_reach(transitions: dict[str, list[str]], start: str, goals: list[str], expected: str) -> None:
    assert reach(transitions, start, goals) == expected


def test_unreachable_status_in_a_known_workflow_is_an_error() -> None:
    names = [("To Do", "new"), ("In Progress", "indeterminate"), ("In Review", "indeterminate"),
             ("On Hold", "indeterminate"), ("Done", "done"), ("Won't Do", "done")]
    workflow = Workflow("Task", [WorkflowStatus(n, c) for n, c in names], {"Done": ["Won't Do"], "Won't Do": ["Done"]})
    items = {"CORE-1": RemoteItem("CORE-1", Tracker.JIRA, ExternalState("Done"), "v", item_type="Task",
                                  project="CORE")}
    adapter = CountingAdapter(Tracker.JIRA, items, workflow)
    findings = check_workflows({Tracker.JIRA: [("0001-a", Link(Tracker.JIRA, "CORE-1"))]},
                               {Tracker.JIRA: adapter}, default_mappings(), {})  # type: ignore[dict-item]
    errors = [f for f in findings if f.severity == "error"]
    assert {f.message.split("(")[-1] for f in errors} == {
        "'planning')", "'backlog')", "'active')", "'paused')", "'ready_for_review')"}
    assert all("add a transition" in (f.fix or "") for f in errors)


def test_finding_json_keys_and_counts() -> None:
    findings = [Finding("outbox", "error", "dead", "retry"), Finding("config", "ok", "valid")]
    assert list(findings[0].to_json()) == ["check", "severity", "tracker", "item", "message", "fix"]
    assert count(findings) == {"ok": 1, "info": 0, "warning": 0, "error": 1}
    assert broken(findings) and not broken(findings[1:])
