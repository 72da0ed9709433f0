"""Fault suite: SpecWeave status changes pushed by `weavesync sync` while 20 % of the trackers' answers are faults
(500, 502, 503, connection resets, and lost responses: the write happened, the answer never came; plus 429s with
Retry-After) land exactly once, each completion/abandonment with exactly one comment.

Short (CI): 6 increments x 3 trackers x 3 rounds = 54 changes. Long (``WEAVESYNC_LONG=1``): 12 x 3 x 28 = 1,008.
Every round changes every increment once (a valid SpecWeave transition, written as SpecWeave writes it), syncs
under faults until the outbox is empty, then reads each item's own history (GitHub events and comments, Jira
changelog and comments, Azure DevOps updates and comments) and checks what landed since the previous round.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest

from weavesync.model import Status, Tracker
from weavesync.sandbox import ACCOUNTS, BOT, Sandbox
from weavesync.trackers.http import Governor, governor_for

from . import invariants as inv
from .conftest import record_figures
from .harness import ADO_FOR, JIRA_FOR, LONG, TERMINAL, TIMEOUT, TRANSITIONS, open_outbox
from .world import Ref, World

pytestmark = pytest.mark.timeout(TIMEOUT)

INCREMENTS = 12 if LONG else 6
ROUNDS = 28 if LONG else 3
FAULT_RATE = 0.2
TRACKERS = (Tracker.GITHUB, Tracker.JIRA, Tracker.ADO)


def unpaced_github_writes(sandbox: Sandbox) -> None:
    """The bot's GitHub writes in this process without the one-second spacing GitHub asks of real clients:
    the spacing is not what this suite proves, and 1,000 changes would spend most of their time waiting."""
    token = ACCOUNTS["github"][BOT].secret
    governor = governor_for("github", sandbox.urls["github"].rstrip("/"), token, Governor)
    governor.writes_per_minute = None


def state_name(tracker: Tracker, status: Status) -> str:
    """The state the item's own history shows once `status` landed (labels/tags aside)."""
    if tracker is Tracker.GITHUB:
        return {Status.COMPLETED: "closed/completed", Status.ABANDONED: "closed/not_planned"}.get(status, "open")
    return (JIRA_FOR if tracker is Tracker.JIRA else ADO_FOR)[status]


def next_status(rng: random.Random, current: Status) -> Status:
    """A valid SpecWeave transition, leaning towards completions and abandonments (they carry a comment)."""
    choices = list(TRANSITIONS[current])
    weights = [3 if s in TERMINAL or s is Status.READY_FOR_REVIEW else 1 for s in choices]
    return rng.choices(choices, weights)[0]


def landed_once(ref: Ref, before_state: str, after: Status, changes: list[tuple[bool, str | None, str]],
                round_no: int) -> None:
    """This round's state changes of the item, all by the bot, walk a simple path to `after`'s state."""
    tracker, item = ref
    wanted = state_name(tracker, after)
    people = [c for c in changes if not c[0]]
    if people:
        raise inv.InvariantViolation("land-exactly-once", f"round {round_no}: {tracker.value} {item} was changed by "
                                     f"someone other than the bot: {people}")
    visited = [before_state, *[c[2] for c in changes]]
    if visited[-1] != wanted:
        raise inv.InvariantViolation("land-exactly-once", f"round {round_no}: {tracker.value} {item} should end in "
                                     f"{wanted} ({after.value}); its history shows {visited}")
    if len(set(visited)) != len(visited):
        raise inv.InvariantViolation("land-exactly-once", f"round {round_no}: {tracker.value} {item} went through a "
                                     f"state twice (a duplicate write): {visited}")


def test_changes_under_faults_land_exactly_once_with_one_comment(reliability_sandbox: Sandbox, tmp_path: Path,
                                                                 seed: int) -> None:
    print(f"\nfault suite seed={seed} (replay: WEAVESYNC_SEED={seed})")
    rng = random.Random(seed)
    increments = [f"{n:04d}-fault-{n}" for n in range(1, INCREMENTS + 1)]
    unpaced_github_writes(reliability_sandbox)
    world = World.build(reliability_sandbox, tmp_path, increments, TRACKERS)
    found = inv.Violations()
    world.violations = found
    changes = comments_expected = runs = 0
    started = time.monotonic()
    try:
        seen_changes = {ref: len(world.history(ref).changes) for ref in world.refs()}
        seen_comments = {ref: 0 for ref in world.refs()}
        states = {ref: state_name(ref[0], Status.ACTIVE) for ref in world.refs()}
        for round_no in range(1, ROUNDS + 1):
            for inc in increments:
                target = next_status(rng, world.expected[inc])
                world.set_local(inc, target)
                world.note(f"round {round_no}: {inc} -> {target.value}")
                changes += len(world.links[inc])
                comments_expected += len(world.links[inc]) if target in TERMINAL else 0
            world.faults.rate(FAULT_RATE, seed=seed + round_no)
            for tracker in TRACKERS:
                world.faults.script_429(tracker)
            for _attempt in range(12):
                report = world.sync_in_process()
                runs += 1
                if not report.failed and not open_outbox(world.root):
                    break
            world.faults.clear()
            where = f"round {round_no}"
            world.check_always(where)
            with found.collect(where):
                decisions = world.decisions()
                if decisions:
                    raise inv.InvariantViolation("no-decision-about-own-write", "only SpecWeave changed, yet "
                                                 f"decisions are pending: {[d.payload['question'] for d in decisions]}")
            for inc in increments:
                for ref in world.links[inc]:
                    history = world.history(ref)
                    new = [(c.by_bot, c.before, c.after) for c in history.changes[seen_changes[ref]:]]
                    with found.collect(where):
                        landed_once(ref, states[ref], world.expected[inc], new, round_no)
                    seen_changes[ref] = len(history.changes)
                    states[ref] = new[-1][2] if new else states[ref]
                    posted = [c for c in history.comments if c.by_bot and c.completion]
                    fresh = posted[seen_comments[ref]:]
                    seen_comments[ref] = len(posted)
                    wanted = [world.expected[inc].value] if world.expected[inc] in TERMINAL else []
                    with found.collect(where):
                        if [c.completion for c in fresh] != wanted:
                            raise inv.InvariantViolation(
                                "one-comment-per-change", f"{ref[0].value} {ref[1]} ({inc} -> "
                                f"{world.expected[inc].value}) got completion comments "
                                f"{[c.completion for c in fresh]}, expected exactly {wanted or 'none'}")
            world.check_settled(where)
    finally:
        world.faults.clear()
        record_figures("faults", seed=seed, rounds=ROUNDS, changes=changes, comments=comments_expected,
                       faults_injected=world.faults.total, sync_runs=runs, violations=len(found.found),
                       violations_by_kind=found.by_name(), faults_by_kind=dict(world.faults.injected),
                       seconds=round(time.monotonic() - started, 1))
        world.close()
        found.write(tmp_path / "violations.txt")
    assert changes >= (1000 if LONG else 50)
    found.assert_none()

