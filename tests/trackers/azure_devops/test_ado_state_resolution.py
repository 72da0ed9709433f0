"""The default ADO mapping on every default process and type, resolved as the adapter resolves it at run time.

The process table is `weavesync.config.ado_states.PROCESS_STATES` (offline data); the resolver is the adapter's.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from weavesync.config import default_mappings
from weavesync.config.ado_states import PROCESS_STATES, states_for
from weavesync.errors import Rejected
from weavesync.model import Status, Target, Tracker
from weavesync.trackers.azure_devops.states import resolve_state
from weavesync.trackers.base import WorkflowStatus


def cat(category: str) -> Target:
    return Target(state=None, category=category)


def states(process: str, item_type: str) -> list[WorkflowStatus]:
    found = states_for(process, item_type)
    assert found is not None
    return [WorkflowStatus(name, category) for name, category in found]


@pytest.mark.parametrize(
    ("process", "item_type", "target", "expected"),
    [
        ("Agile", "User Story", cat("Proposed"), "New"),
        ("Agile", "User Story", cat("InProgress"), "Active"),
        ("Agile", "User Story", cat("Resolved"), "Resolved"),
        ("Agile", "User Story", cat("Completed"), "Closed"),
        ("Agile", "User Story", cat("Removed"), "Removed"),
        ("Basic", "Issue", cat("Resolved"), "Doing"),  # no Resolved category: last InProgress state
        ("Basic", "Issue", cat("Removed"), "Done"),  # no Removed: first Completed state
        ("Agile", "Bug", cat("Removed"), "Closed"),
        ("Scrum", "Product Backlog Item", cat("Proposed"), "New"),  # first of New, Approved
        ("Scrum", "Impediment", cat("Proposed"), "Open"),  # no Proposed: first InProgress
        ("CMMI", "Feature", cat("InProgress"), "Active"),
        ("CMMI", "Feature", cat("Resolved"), "Resolved"),  # its Resolved state is InProgress: the last one
        ("CMMI", "Bug", cat("Resolved"), "Resolved"),
        ("Agile", "Task", Target("closed"), "Closed"),  # a named state, returned in the type's spelling
        ("Basic", "Task", Target("On Hold", "InProgress"), "Doing"),  # unknown name: category fallback
        ("Basic", "Task", Target("On Hold"), None),  # unknown name, no category: the adapter must report it
        ("Basic", "Task", cat("inprogress"), "Doing"),
    ],
)
def test_resolve(process: str, item_type: str, target: Target, expected: str | None) -> None:
    if expected is None:
        with pytest.raises(Rejected):
            resolve_state(target, states(process, item_type), item_type)
    else:
        assert resolve_state(target, states(process, item_type), item_type) == expected


def test_resolve_uses_live_states_not_the_table() -> None:
    custom = [WorkflowStatus("Parked", "InProgress"), WorkflowStatus("Shipped", "Completed")]
    assert resolve_state(Target("Parked", "InProgress"), custom, "Custom") == "Parked"
    assert resolve_state(cat("Resolved"), custom, "Custom") == "Parked"
    assert resolve_state(cat("Removed"), custom, "Custom") == "Shipped"
    with pytest.raises(Rejected):
        resolve_state(cat("Completed"), [], "Empty")


@given(status=st.sampled_from(list(Status)),
       types=st.sampled_from([(p, t) for p, ts in PROCESS_STATES.items() for t in ts]))
def test_default_targets_resolve_on_every_default_type(status: Status, types: tuple[str, str]) -> None:
    process, item_type = types
    target = default_mappings()[Tracker.ADO].target(status)
    found = states(process, item_type)
    assert resolve_state(target, found, item_type) in {s.name for s in found}
