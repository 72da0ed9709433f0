"""AC-US4-02 / AC-US4-03 on a real terminal: a person closes (or reopens) the linked item in GitHub, Jira or Azure
DevOps, and `weavesync sync`, run as a child process over real HTTP against the sandbox, asks on a
pseudo-terminal; off a terminal it stores the decision and exits 3 instead of choosing.

The person is alice, acting through the adapters with her own credentials; weavesync runs with the bot's only.
What the prompt shows (who, when, the item's state) is checked against alice's own read of the item, and what the
answer does is checked in metadata.json and, through alice's read, on the tracker.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from weavesync.config import default_mappings
from weavesync.engine.describe import external_text
from weavesync.executor import reconcile
from weavesync.model import RemoteItem, Status, Tracker, format_utc
from weavesync.sandbox import ACCOUNTS, PERSON
from weavesync.specweave import set_status

from .conftest import SANDBOX_NAMES, World
from .tty import PtyChild, person_at_human_pace, run_off_tty

pytestmark = [pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal"),
              pytest.mark.timeout(120)]

INC = "0042"
INCREMENT = "0042-checkout"


@dataclass(frozen=True)
class Change:
    """What alice does to an item that agreed with the increment, and what weavesync should make of it."""

    name: str
    start: Status
    """The increment's status, and the state the item is in, before alice acts."""
    to: Status
    """The state alice moves the item to; also what weavesync proposes for the increment."""
    custom: Status
    """A status SpecWeave allows from `start` that is not the proposal: the custom answer the tests give."""
    refused: Status
    """A status SpecWeave does not allow from `start`: typed first, it must be asked again."""


CLOSE = Change("close", start=Status.ACTIVE, to=Status.COMPLETED, custom=Status.PAUSED, refused=Status.COMPLETED)
REOPEN = Change("reopen", start=Status.COMPLETED, to=Status.ACTIVE, custom=Status.ABANDONED, refused=Status.PAUSED)
ALLOWED_NEXT = {Status.ACTIVE: ["backlog", "paused", "ready_for_review", "abandoned"],
                Status.COMPLETED: ["active", "abandoned"]}
"""SpecWeave's own transitions table (sync-semantics.md §1), in the order it lists them."""
UNNAMED_IN_READS = {(Tracker.GITHUB, "reopen")}
"""Changes whose author a batch read does not name: GitHub's issue says who closed it (`closed_by`) but not who
reopened it. The prompt names them all the same (the executor asks `last_change`, which reads the issue's
events); see `test_AC_US4_03_github_reopen_prompt_names_who_reopened`."""


@pytest.fixture(autouse=True)
def _alice_clicks(world: World) -> None:
    world.people[Tracker.GITHUB] = person_at_human_pace(world.sandbox)


def remote(world: World, tracker: Tracker, item: str) -> RemoteItem:
    found = world.remote(tracker, item)
    assert isinstance(found, RemoteItem)
    return found


def expresses(world: World, tracker: Tracker, item: str, status: Status) -> bool:
    return bool(default_mappings()[tracker].satisfies(remote(world, tracker, item).state, status))


def status_now(world: World) -> str:
    return str(world.metadata(INC)["status"])


def prepare(world: World, tracker: Tracker, change: Change) -> RemoteItem:
    """An item linked to the increment, both in `change.start` and agreed by a first sync; then alice moves the
    item to `change.to`. Returns what alice sees afterwards."""
    if change.start is not Status.ACTIVE:
        with world.session() as session:
            set_status(session.increment(INC), change.start, now=datetime.now(UTC))
    item = world.create_item(tracker, change.start)
    world.link(INC, tracker, item)
    with world.session() as session:
        first = reconcile(session, session.policy(interactive=False))
    assert not first.pending and not first.problems and not first.writes, "the two sides agreed from the start"
    world.alice_sets(tracker, item, change.to)
    seen = remote(world, tracker, item)
    assert default_mappings()[tracker].satisfies(seen.state, change.to)
    return seen


def sync_on_pty(world: World) -> PtyChild:
    return PtyChild(world.root, world.env, "sync")


def wait_for_question(child: PtyChild) -> str:
    """What the child showed up to the end of its first question, "Answer [...]: "."""
    return child.expect("Answer [") + child.expect("]: ")


def assert_shows_the_decision(shown: str, tracker: Tracker, seen: RemoteItem, change: Change) -> None:
    """The prompt names the item, who changed it and when, SpecWeave's status, the item's state and the proposal."""
    alice = ACCOUNTS[SANDBOX_NAMES[tracker]][PERSON]
    assert f"Decision for increment {INCREMENT}" in shown
    assert f"{tracker.display_name} {seen.link_item}" in shown, "the item"
    names = [alice.login, alice.display_name]
    if (tracker, change.name) not in UNNAMED_IN_READS:
        assert seen.changed_by in names, "the tracker says alice made the change"
    changed_at = seen.status_changed_at or seen.updated_at
    assert changed_at is not None
    assert any(f"by {who} at {format_utc(changed_at)}" in shown for who in names), "who and when"
    assert f"SpecWeave `{change.start.value}`, item {external_text(seen.state)}" in shown, "current statuses"
    assert f"Proposed:  `{change.to.value}`" in shown, "the proposal"
    assert shown.endswith("Answer [yes/no/custom/skip]: "), "the choices, with no default"


def settled(world: World) -> None:
    """Another pass (in-process: it is the same engine) finds nothing to ask, write or retry: no ping-pong."""
    with world.session() as session:
        again = reconcile(session, session.policy(interactive=False))
        assert not again.pending and not again.writes and not again.problems
        assert not session.store.pending_decisions()


def pending_decisions(world: World) -> list[dict[str, object]]:
    listed = run_off_tty(world.root, world.env, "pending", "--json")
    assert listed.returncode == 0, listed.stderr
    rows: list[dict[str, object]] = json.loads(listed.stdout)["pending"]
    return rows


# The four checks, each run for a close (AC-US4-02) and a reopen (AC-US4-03) on every tracker.

def check_yes(world: World, tracker: Tracker, change: Change) -> None:
    seen = prepare(world, tracker, change)
    child = sync_on_pty(world)
    assert_shows_the_decision(wait_for_question(child), tracker, seen, change)
    child.answer("yes")
    code = child.finish()
    assert code == 0, child.transcript
    assert status_now(world) == change.to.value
    assert expresses(world, tracker, seen.link_item, change.to), "the item still says what alice made it"
    settled(world)


def check_no(world: World, tracker: Tracker, change: Change) -> None:
    seen = prepare(world, tracker, change)
    child = sync_on_pty(world)
    assert_shows_the_decision(wait_for_question(child), tracker, seen, change)
    child.answer("no")
    assert child.finish() == 0, child.transcript
    assert status_now(world) == change.start.value, "declined: SpecWeave stays"
    assert expresses(world, tracker, seen.link_item, change.to), "declining never undoes alice's change"
    second = sync_on_pty(world)
    code = second.finish()
    assert "Answer [" not in second.transcript, "the declined change is never asked again"
    assert code == 0, second.transcript
    assert status_now(world) == change.start.value
    assert expresses(world, tracker, seen.link_item, change.to)


def check_custom(world: World, tracker: Tracker, change: Change) -> None:
    seen = prepare(world, tracker, change)
    child = sync_on_pty(world)
    assert_shows_the_decision(wait_for_question(child), tracker, seen, change)
    child.answer("custom")
    listing = child.expect("Which status? ")
    offered = re.search(rf"SpecWeave allows from `{change.start.value}`: (.*)", listing)
    assert offered, listing
    assert re.findall(r"\d+\) (\S+)", offered.group(1)) == ALLOWED_NEXT[change.start], "only allowed statuses"
    child.answer(change.refused.value)
    child.expect("Please choose one of")
    child.expect("Which status? ")
    child.answer(change.custom.value)
    code = child.finish()
    assert code == 0, child.transcript
    assert status_now(world) == change.custom.value
    assert expresses(world, tracker, seen.link_item, change.custom), "the item is brought to the chosen status"
    settled(world)
    assert expresses(world, tracker, seen.link_item, change.custom)


def check_off_a_terminal(world: World, tracker: Tracker, change: Change) -> None:
    seen = prepare(world, tracker, change)
    result = run_off_tty(world.root, world.env, "sync")
    assert result.returncode == 3, result.stdout + result.stderr
    assert "Answer [" not in result.stdout + result.stderr, "nobody is asked off a terminal"
    assert status_now(world) == change.start.value, "nothing is chosen silently"
    (decision,) = pending_decisions(world)
    assert (decision["increment"], decision["tracker"], decision["item"]) == (INCREMENT, tracker.value,
                                                                              seen.link_item)
    assert (decision["local"], decision["proposed"]) == (change.start.value, change.to.value)
    assert decision["customChoices"] == ALLOWED_NEXT[change.start]
    assert expresses(world, tracker, seen.link_item, change.to), "nothing is written back either"
    assert status_now(world) == change.start.value


def test_AC_US4_02_close_prompts_on_a_terminal_answer_yes(world: World, tracker: Tracker) -> None:
    check_yes(world, tracker, CLOSE)


def test_AC_US4_02_close_prompts_on_a_terminal_answer_no(world: World, tracker: Tracker) -> None:
    check_no(world, tracker, CLOSE)


def test_AC_US4_02_close_prompts_on_a_terminal_answer_custom(world: World, tracker: Tracker) -> None:
    check_custom(world, tracker, CLOSE)


def test_AC_US4_02_close_is_pending_off_a_terminal(world: World, tracker: Tracker) -> None:
    check_off_a_terminal(world, tracker, CLOSE)


def test_AC_US4_03_reopen_prompts_on_a_terminal_answer_yes(world: World, tracker: Tracker) -> None:
    check_yes(world, tracker, REOPEN)


def test_AC_US4_03_reopen_prompts_on_a_terminal_answer_no(world: World, tracker: Tracker) -> None:
    check_no(world, tracker, REOPEN)


def test_AC_US4_03_reopen_prompts_on_a_terminal_answer_custom(world: World, tracker: Tracker) -> None:
    check_custom(world, tracker, REOPEN)


def test_AC_US4_03_reopen_is_pending_off_a_terminal(world: World, tracker: Tracker) -> None:
    check_off_a_terminal(world, tracker, REOPEN)


def test_AC_US4_03_github_reopen_prompt_names_who_reopened(world: World) -> None:
    prepare(world, Tracker.GITHUB, REOPEN)
    child = sync_on_pty(world)
    shown = wait_for_question(child)
    child.answer("skip")
    assert child.finish() == 3, child.transcript
    alice = ACCOUNTS["github"][PERSON]
    assert f"by {alice.login} at" in shown or f"by {alice.display_name} at" in shown, shown
