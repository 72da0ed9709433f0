"""Unit tests of the doctor's pure parts, with an in-memory adapter that counts its calls.

The fake answers `check_target` from its `Workflow`: Azure DevOps-like fakes resolve with the ADO adapter's own
`resolve` (so the fallbacks are the real ones), others by name then category, reachability by
`Workflow.reachable`.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import weavesync.doctor as doctor_pkg
from weavesync.config import default_mappings
from weavesync.config.mapping import build_mapping
from weavesync.doctor import Finding, broken, count
from weavesync.doctor.workflows import check_workflows
from weavesync.errors import Rejected
from weavesync.model import ExternalState, Link, RemoteItem, Target, Tracker
from weavesync.trackers.azure_devops.states import resolve
from weavesync.trackers.base import TargetCheck, Workflow, WorkflowStatus


@dataclass
class CountingAdapter:
    """Enough of a TrackerAdapter for the workflow checks: read_many and describe_workflow, counted."""

    tracker: Tracker
    items: dict[str, RemoteItem]
    workflow: Workflow
    reads: list[int] = field(default_factory=list)
    described: list[tuple[str | None, str | None]] = field(default_factory=list)
    checked: list[str | None] = field(default_factory=list)

    def read_many(self, items: Sequence[str], managed: frozenset[str]) -> dict[str, RemoteItem | None]:
        self.reads.append(len(items))
        return {i: self.items.get(i) for i in items}

    def describe_workflow(self, item: str | None = None, item_type: str | None = None) -> Workflow:
        self.described.append((item, item_type))
        return self.workflow

    def check_target(self, target: Target, *, item: str | None = None, item_type: str | None = None,
                     resolution: str | None = None) -> TargetCheck:
        self.checked.append(item)
        statuses = self.workflow.statuses
        if self.tracker is Tracker.ADO:
            try:
                found = resolve(target, statuses, item_type or "T")
            except Rejected as exc:
                return TargetCheck(state=None, reachable=False, problem=exc.message)
            state, fallback = found.name, found.fallback
        else:
            named = [s.name for s in statuses if target.state and s.name.casefold() == target.state.casefold()]
            by_category = [s.name for s in statuses if s.category == target.category]
            if not named and not by_category:
                return TargetCheck(state=None, reachable=False, problem="no such status")
            state, fallback = (named or by_category)[0], None if named else f"category {target.category}"
        if item is None:
            return TargetCheck(state=state, fallback=fallback)
        reachable = self.workflow.reachable(self.items[item].state.state, [state])
        return TargetCheck(state=state, reachable=reachable, fallback=fallback)


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
    assert len(adapter.checked) == 2 * 7, "one item per (type, current state) is checked, for each status"


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
    assert all("has no state for category" in f.message for f in errors), "the adapter's own explanation"
    for error in errors:
        assert f"sync.statusSync.mappings.ado.{error.message.split(chr(39))[1]}" in (error.fix or "")
        assert "Open" in (error.fix or ""), "the fix lists the states the type has"


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


def all_to_all(kind: str, states: list[tuple[str, str]]) -> Workflow:
    names = [n for n, _ in states]
    return Workflow(kind, [WorkflowStatus(n, c) for n, c in states], {n: [m for m in names if m != n] for n in names})


def test_fallbacks_that_collide_are_warnings() -> None:
    # Like a Basic Issue: no Resolved and no Removed state, so ready_for_review lands on "Doing" with active, and
    # abandoned on "Done" with completed; neither pair differs by tags.
    basic = all_to_all("Issue", [("To Do", "Proposed"), ("Doing", "InProgress"), ("Done", "Completed")])
    adapter = CountingAdapter(Tracker.ADO, {"acme/Shop/1": ado_item(1, "Issue", "Doing")}, basic)
    findings = check_workflows({Tracker.ADO: [("0001-a", Link(Tracker.ADO, "acme/Shop/1"))]},
                               {Tracker.ADO: adapter}, default_mappings(), {})  # type: ignore[dict-item]
    warnings = sorted(f.message.split(", ")[1].split(" are")[0] for f in findings if f.severity == "warning")
    assert warnings == ["active and ready_for_review", "completed and abandoned"]
    assert not [f for f in findings if f.severity in ("info", "error")]


def test_a_fallback_that_stays_distinct_is_an_info() -> None:
    # Like a CMMI Feature: its "Resolved" state is InProgress, the last one, so ready_for_review stays apart.
    feature = all_to_all("Feature", [("Proposed", "Proposed"), ("Active", "InProgress"), ("Resolved", "InProgress"),
                                     ("Closed", "Completed"), ("Removed", "Removed")])
    adapter = CountingAdapter(Tracker.ADO, {"acme/Shop/1": ado_item(1, "Feature")}, feature)
    findings = check_workflows({Tracker.ADO: [("0001-a", Link(Tracker.ADO, "acme/Shop/1"))]},
                               {Tracker.ADO: adapter}, default_mappings(), {})  # type: ignore[dict-item]
    assert [(f.severity, f.message) for f in findings if f.severity != "ok"] == [
        ("info", "Shop Feature has no Resolved state; 'ready_for_review' is written as 'Resolved' "
                 "(Resolved → last InProgress state)")]


def test_doctor_imports_no_tracker_package() -> None:
    """Tracker-neutral: the doctor goes through the adapter protocol, never a tracker's own modules."""
    for path in sorted(Path(doctor_pkg.__file__).parent.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else (
                [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            for name in names:
                assert not name.startswith("weavesync.trackers.") or name in (
                    "weavesync.trackers.base", "weavesync.trackers.registry"), f"{path.name} imports {name}"
                assert "ado_states" not in name, f"{path.name} imports {name}"


def test_finding_json_keys_and_counts() -> None:
    findings = [Finding("outbox", "error", "dead", "retry"), Finding("config", "ok", "valid")]
    assert list(findings[0].to_json()) == ["check", "severity", "tracker", "item", "message", "fix"]
    assert count(findings) == {"ok": 1, "info": 0, "warning": 0, "error": 1}
    assert broken(findings) and not broken(findings[1:])
