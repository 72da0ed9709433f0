"""Fixed step sequences the random suites found, kept as reproductions: each runs the same invariants as the
model-based test on a short, named story, so a fix can be checked in seconds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from weavesync.model import Status, Tracker
from weavesync.sandbox import Sandbox

from .harness import TIMEOUT, decision_item
from .world import World

pytestmark = pytest.mark.timeout(TIMEOUT)


def test_a_persons_move_back_to_to_do_while_active_is_decided(reliability_sandbox: Sandbox, tmp_path: Path) -> None:
    """alice moves the Jira epic In Progress -> To Do while the increment is active: SpecWeave does not express
    To Do, so a sync must ask (or find them agreeing), never absorb it silently."""
    world = World.build(reliability_sandbox, tmp_path, ["0001-back"], (Tracker.JIRA,))
    try:
        (ref,) = world.links["0001-back"]
        world.person.jira_transition(ref[1], "To Do")
        world.touched.add(ref)
        run = world.sync()
        assert run.code in (0, 3), str(run)
        world.check_always("sync")
        world.check_settled("after sync")
    finally:
        world.close()


def test_a_decision_is_withdrawn_when_the_person_reverts(reliability_sandbox: Sandbox, tmp_path: Path) -> None:
    """alice closes the issue (a decision is pending), then reopens it: both sides agree again, so the next sync
    withdraws the decision."""
    world = World.build(reliability_sandbox, tmp_path, ["0001-revert"], (Tracker.GITHUB,))
    try:
        (ref,) = world.links["0001-revert"]
        world.person.github_close(ref[1], "completed")
        world.touched.add(ref)
        assert world.sync().code == 3
        assert [decision_item(d) for d in world.decisions()] == [ref]
        world.person.github_reopen(ref[1])
        assert world.remote.satisfies(*ref, Status.ACTIVE), "reopened with its label, the item expresses active"
        world.sync()
        world.check_always("sync after the revert")
        world.check_after_sync()
    finally:
        world.close()


def test_several_decisions_of_one_increment_are_resolved_at_once(reliability_sandbox: Sandbox,
                                                                 tmp_path: Path) -> None:
    """alice closes the GitHub issue as completed and removes the Azure DevOps feature: two decisions proposing
    different statuses. `resolve --accept` answers them (or, where the first answer moved the increment, asks
    afresh, exit 3); it never fails on its own bookkeeping."""
    world = World.build(reliability_sandbox, tmp_path, ["0001-both"], (Tracker.GITHUB, Tracker.ADO))
    try:
        github, ado = world.links["0001-both"]
        world.person.github_close(github[1], "completed")
        world.person.ado_state(ado[1], "Removed")
        world.touched |= {github, ado}
        assert world.sync().code == 3
        assert len(world.decisions()) == 2
        run = world.cli.run("resolve", "0001-both", "--accept")
        assert run.code in (0, 3), f"resolving both decisions failed: {run}"
        world.check_always("resolve", ["0001-both"])
    finally:
        world.close()


def test_conflicts_on_every_link_resolved_at_once_settle(reliability_sandbox: Sandbox, tmp_path: Path) -> None:
    """SpecWeave pauses the increment while alice closes the issue, moves the epic back to To Do and closes the
    feature: a conflict per link. `resolve --accept` (use the item's state) answers all three; afterwards every
    link agrees with SpecWeave or is asked about again, and nothing weavesync pushed contradicts SpecWeave."""
    world = World.build(reliability_sandbox, tmp_path, ["0001-all"], (Tracker.GITHUB, Tracker.JIRA, Tracker.ADO))
    try:
        github, jira, ado = world.links["0001-all"]
        world.set_local("0001-all", Status.PAUSED)
        world.person.github_close(github[1], "completed")
        world.person.jira_walk(jira[1], "To Do")
        world.person.ado_state(ado[1], "Closed")
        world.touched |= {github, jira, ado}
        assert world.sync().code == 3
        run = world.cli.run("resolve", "0001-all", "--accept", "--json")
        assert run.code in (0, 3), f"resolving the conflicts failed: {run}"
        # Only the answers that were applied end a person's change; one refused (SpecWeave moved first) is asked
        # afresh, and that question is still about the person's change.
        applied = {(r["tracker"], r["item"]) for r in json.loads(run.stdout)["resolved"]}
        done = {ref for ref in (github, jira, ado) if (ref[0].value, ref[1]) in applied}
        assert done, f"no answer applied: {run}"
        world.answered |= done
        world.touched -= done
        world.check_always("resolve", ["0001-all"])
        world.settle()
    finally:
        world.close()


def test_our_own_half_done_write_is_never_a_decision(reliability_sandbox: Sandbox, tmp_path: Path) -> None:
    """A push active -> paused adds the `paused` label, then the removal of `in-progress` keeps failing and the
    sync is killed while it waits to retry: the item is half-way to weavesync's own target and the entry was in
    flight. The next syncs take the entry over and finish the write; nobody is asked about it."""
    world = World.build(reliability_sandbox, tmp_path, ["0001-half"], (Tracker.GITHUB,))
    try:
        world.set_local("0001-half", Status.PAUSED)
        world.faults.script(Tracker.GITHUB, "503", method="DELETE", path=r"/labels/", times=50)
        run = world.cli.run_and_kill(["sync", "--no-input"], 4.0)
        assert run.killed, f"the sync should still be retrying: {run}"
        world.faults.clear()
        world.check_always("sync killed with the label removal failing")
        world.settle()
    finally:
        world.close()


def test_a_write_that_died_half_done_is_never_a_decision(reliability_sandbox: Sandbox, tmp_path: Path) -> None:
    """A push ready_for_review -> completed closes the issue, then the removal of `in-review` fails on every
    retry: the entry dies with the item half-way (closed, label left). Later syncs must not ask anyone about
    weavesync's own half-done write; `weavesync retry --dead` then finishes it."""
    world = World.build(reliability_sandbox, tmp_path, ["0001-dead"], (Tracker.GITHUB,))
    try:
        world.set_local("0001-dead", Status.READY_FOR_REVIEW)
        world.settle()
        world.set_local("0001-dead", Status.COMPLETED)
        world.faults.script(Tracker.GITHUB, "500", method="DELETE", path=r"/labels/in-review", times=20)
        world.sync_in_process()
        world.faults.clear()
        world.sync()
        world.check_always("sync after the write died half-done")
        revived = world.cli.run("retry", "--dead")
        assert revived.code in (0, 1), str(revived)
        world.settle()
    finally:
        world.close()
