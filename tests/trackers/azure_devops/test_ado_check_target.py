"""`AdoAdapter.check_target` over real HTTP against the sandbox (Agile process): the state `write` would set, its
fallback, what a type cannot express, and that checking every status costs no call per status."""

from __future__ import annotations

import httpx
import pytest
from ado_helpers import connection, control, person_create, requests_made

from weavesync.config import default_mappings
from weavesync.errors import Rejected
from weavesync.model import Status, Target, Tracker
from weavesync.sandbox import Sandbox
from weavesync.trackers.azure_devops import AdoAdapter

DEFAULTS = default_mappings()[Tracker.ADO]
MANAGED = DEFAULTS.managed


def cat(category: str) -> Target:
    return Target(state=None, category=category)


def test_reachable_in_one_step(adapter: AdoAdapter, alice: httpx.Client) -> None:
    story = f"acme/Shop/{person_create(alice, 'User Story', 'check me')['id']}"
    check = adapter.check_target(cat("Completed"), item=story)
    assert (check.state, check.reachable, check.path, check.fallback, check.problem) == (
        "Closed", True, ("Closed",), None, None)
    here = adapter.check_target(cat("Proposed"), item=story)
    assert (here.state, here.reachable, here.path) == ("New", True, ()), "already there"


def test_fallbacks_are_named(adapter: AdoAdapter) -> None:
    # acme/Shop/6 is an Agile Bug: it has no Removed state.
    removed = adapter.check_target(cat("Removed"), item="acme/Shop/6")
    assert (removed.state, removed.fallback) == ("Closed", "Removed → first Completed state")
    named = adapter.check_target(Target("Done", "Completed"), item="acme/Shop/4")  # a User Story has no "Done"
    assert (named.state, named.fallback) == ("Closed", "category Completed")
    typed = adapter.check_target(cat("Removed"), item_type="Bug")
    assert (typed.state, typed.reachable, typed.fallback) == ("Closed", None, removed.fallback)


def test_unexpressible_target_is_a_problem_and_write_refuses_it(adapter: AdoAdapter) -> None:
    check = adapter.check_target(Target("On Hold"), item="acme/Shop/7")  # a Task
    assert (check.state, check.reachable) == (None, False)
    assert check.problem is not None and "'Task'" in check.problem and "Active (InProgress)" in check.problem
    with pytest.raises(Rejected) as refused:
        adapter.write("acme/Shop/7", Target("On Hold"), MANAGED)
    assert refused.value.message == check.problem


def test_check_predicts_what_write_sets(adapter: AdoAdapter, alice: httpx.Client) -> None:
    bug = f"acme/Shop/{person_create(alice, 'Bug', 'predict me')['id']}"
    for status in (Status.ACTIVE, Status.READY_FOR_REVIEW, Status.ABANDONED, Status.PLANNING):
        target = DEFAULTS.target(status)
        check = adapter.check_target(target, item=bug)
        receipt = adapter.write(bug, target, MANAGED)
        assert receipt.state.state == check.state, status


def test_no_call_per_status(sandbox: Sandbox) -> None:
    def checked(statuses: list[Status]) -> dict[str, int]:
        control(sandbox, "POST", "stats/reset")
        fresh = AdoAdapter(connection(sandbox))
        try:
            for status in statuses:
                fresh.check_target(DEFAULTS.target(status), item="acme/Shop/4")
        finally:
            fresh.close()
        return requests_made(sandbox)

    one = checked([Status.ACTIVE])
    assert sum(one.values()) == 2, one  # the item, its type's states
    assert checked(list(Status)) == one



def test_describe_then_check_reads_the_item_once(sandbox: Sandbox) -> None:
    """`weavesync doctor` describes a representative item's workflow, then checks every status on it."""
    control(sandbox, "POST", "stats/reset")
    fresh = AdoAdapter(connection(sandbox))
    try:
        fresh.describe_workflow(item="acme/Shop/4")
        for status in Status:
            fresh.check_target(DEFAULTS.target(status), item="acme/Shop/4")
    finally:
        fresh.close()
    made = requests_made(sandbox)
    assert sum(made.values()) == 2, made  # the item, its type's states
