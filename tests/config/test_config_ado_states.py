"""The offline ADO process table and category spellings config validation relies on.

Resolving a target to a state is the ADO adapter's job (tests/trackers/azure_devops/test_ado_state_resolution.py).
"""

from __future__ import annotations

from weavesync.config.ado_states import (
    CATEGORIES,
    PROCESS_STATES,
    canonical_category,
    known_state_categories,
    states_for,
)


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
