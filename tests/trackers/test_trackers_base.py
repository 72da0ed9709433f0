"""`Workflow.reachable`: what an adapter whose workflow is a plain graph answers as `TargetCheck.reachable`."""

from __future__ import annotations

import pytest

from weavesync.trackers.base import TargetCheck, Workflow


@pytest.mark.parametrize(("transitions", "start", "goals", "expected"), [
    ({"A": ["B"], "B": ["C"], "C": []}, "A", ["C"], True),
    ({"A": ["B"], "B": ["A"]}, "A", ["C"], False),
    ({"A": ["B"]}, "A", ["C"], None),  # B has not shown its moves
    ({"a": ["b"], "b": ["c"]}, "A", ["C"], True),  # names compare without case
    ({}, "Done", ["done"], True),
])
def test_reachable(transitions: dict[str, list[str]], start: str, goals: list[str], expected: bool | None) -> None:
    assert Workflow("T", [], transitions).reachable(start, goals) is expected


def test_target_check_defaults_say_nothing_is_known() -> None:
    check = TargetCheck(state="Done")
    assert (check.reachable, check.path, check.fallback, check.missing_fields, check.problem) == (
        None, (), None, (), None)
