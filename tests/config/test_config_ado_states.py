"""resolve_ado_state: named states, categories, and the documented fallbacks."""

from __future__ import annotations

import pytest

from weavesync.config.ado_states import (
    CATEGORIES,
    PROCESS_STATES,
    canonical_category,
    known_state_categories,
    resolve_ado_state,
    states_for,
)
from weavesync.model import Target


def cat(category: str) -> Target:
    return Target(state=None, category=category)


def states(process: str, item_type: str) -> tuple[tuple[str, str], ...]:
    found = states_for(process, item_type)
    assert found is not None
    return found


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
    assert resolve_ado_state(target, states(process, item_type)) == expected


def test_resolve_uses_live_states_not_the_table() -> None:
    custom = [("Funnel", "Proposed"), ("Building", "InProgress"), ("Parked", "InProgress"), ("Shipped", "Completed")]
    assert resolve_ado_state(Target("Parked", "InProgress"), custom) == "Parked"
    assert resolve_ado_state(cat("Resolved"), custom) == "Parked"
    assert resolve_ado_state(cat("Removed"), custom) == "Shipped"
    assert resolve_ado_state(cat("Completed"), []) is None


def test_table_uses_only_api_categories() -> None:
    for types in PROCESS_STATES.values():
        for type_states in types.values():
            assert {c for _n, c in type_states} <= set(CATEGORIES)
            assert any(c == "Completed" for _n, c in type_states)


def test_known_state_categories_and_canonical_names() -> None:
    assert known_state_categories("resolved") == {"Resolved", "InProgress"}
    assert known_state_categories("Doing") == {"InProgress"}
    assert known_state_categories("On Hold") == frozenset()
    assert canonical_category("in progress") == "InProgress"
    assert canonical_category("Finished") is None
    assert states_for("Agile", "Nope") is None and states_for("Nope", "Bug") is None
