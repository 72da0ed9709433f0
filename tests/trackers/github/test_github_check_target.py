"""`GitHubAdapter.check_target` against the sandbox: two states, each one step from the other, no screens; only
the target's own values can be wrong, and answering costs no request at all."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from github_helpers import MANAGED, Stats

from weavesync.config import default_mappings
from weavesync.errors import Rejected
from weavesync.model import Status, Target, Tracker
from weavesync.trackers.github import GitHubAdapter

DEFAULTS = default_mappings()[Tracker.GITHUB]


def test_every_default_target_is_reachable_without_a_request(
        adapter: GitHubAdapter, new_issue: Callable[..., dict[str, Any]], stats: Stats) -> None:
    item = f"acme/shop#{new_issue()['number']}"
    stats.reset()
    checks = {status: adapter.check_target(DEFAULTS.target(status), item=item) for status in Status}
    assert stats.total() == 0
    assert {s: (c.state, c.reachable, c.problem, c.fallback) for s, c in checks.items()} == {
        s: ("closed" if s in (Status.COMPLETED, Status.ABANDONED) else "open", True, None, None) for s in Status}


@pytest.mark.parametrize("target", [Target("In Progress"), Target("closed", reason="wontfix")])
def test_what_github_cannot_express(adapter: GitHubAdapter, new_issue: Callable[..., dict[str, Any]],
                                    target: Target) -> None:
    item = f"acme/shop#{new_issue()['number']}"
    check = adapter.check_target(target, item=item)
    assert (check.state, check.reachable) == (None, False) and check.problem
    with pytest.raises(Rejected) as refused:  # the write refuses for the very same reason
        adapter.write(item, target, MANAGED)
    assert refused.value.message == check.problem
    assert adapter.check_target(target).problem == check.problem, "the same without an item"
