"""Crash suite: `weavesync sync` and `weavesync watch` killed with SIGKILL at random points lose nothing,
duplicate nothing and raise no decision.

Short (CI): 5 kills of each. Long (``WEAVESYNC_LONG=1``): 100 of each. Between kills SpecWeave keeps changing
statuses (valid transitions, written as SpecWeave writes them). After every kill the files must parse with
unknown keys kept, SpecWeave's statuses must be only what SpecWeave wrote, no decision may exist (nobody but
weavesync touched the items) and the trackers' histories must hold no duplicate. Every few kills the project is
settled (a `sync` for `sync`; a fresh `watch` left running for `watch`) and every change must have landed with
exactly one comment per completion or abandonment.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest

from weavesync.model import Status, Tracker
from weavesync.sandbox import Sandbox

from . import invariants as inv
from .conftest import record_figures
from .harness import LONG, TERMINAL, TIMEOUT, TRANSITIONS, open_outbox
from .world import World

pytestmark = pytest.mark.timeout(TIMEOUT)

KILLS = 100 if LONG else 5
SETTLE_EVERY = 5
INCREMENTS = 4
TRACKERS = (Tracker.GITHUB, Tracker.JIRA, Tracker.ADO)


def change_some(world: World, rng: random.Random, label: str) -> int:
    """SpecWeave changes one or two increments; the number of link changes made."""
    made = 0
    for inc in rng.sample(sorted(world.links), rng.choice((1, 2))):
        choices = list(TRANSITIONS[world.expected[inc]])
        target = rng.choices(choices, [3 if s in TERMINAL else 1 for s in choices])[0]
        world.set_local(inc, target)
        world.note(f"{label}: {inc} -> {target.value}")
        made += len(world.links[inc])
    return made


def test_sync_killed_at_random_points_loses_and_duplicates_nothing(reliability_sandbox: Sandbox, tmp_path: Path,
                                                                   seed: int) -> None:
    print(f"\nkill -9 sync suite seed={seed} (replay: WEAVESYNC_SEED={seed})")
    rng = random.Random(seed)
    increments = [f"{n:04d}-crash-{n}" for n in range(1, INCREMENTS + 1)]
    world = World.build(reliability_sandbox, tmp_path, increments, TRACKERS)
    found = inv.Violations()
    world.violations = found
    changes = kills = 0
    started = time.monotonic()
    typical = 3.0  # seconds a sync that was not killed took, lately: kills are drawn within that span
    n = 0
    try:
        while kills < KILLS and n < 4 * KILLS:
            n += 1
            changes += change_some(world, rng, f"run {n}")
            after = rng.uniform(0.3, max(0.8, typical))
            began = time.monotonic()
            run = world.cli.run_and_kill(["sync", "--no-input"], after)
            kills += run.killed
            if not run.killed:
                typical = 0.7 * typical + 0.3 * (time.monotonic() - began)
            world.note(f"run {n}: sync killed after {after:.2f}s" if run.killed else f"run {n}: sync ended first")
            if not run.killed and run.code not in (0, 3):
                found.found.append(f"run {n}: sync ended with {run}")
            world.check_always(f"after run {n}")
            if n % SETTLE_EVERY == 0 or kills >= KILLS:
                world.settle()
    finally:
        _wrap_up(world, found, tmp_path, "kill-sync", started,
                 seed=seed, kills=kills, runs=n, changes=changes, comments=comment_count(world))
    _show_steps(world, found)
    assert kills >= KILLS, f"only {kills} of {n} runs were still running when killed"
    found.assert_none()


def _wrap_up(world: World, found: inv.Violations, tmp_path: Path, name: str, started: float,
             **figures: object) -> None:
    """Every suite's end: its figures with the violations by kind, the world closed, violations.txt written."""
    record_figures(name, **figures, violations=len(found.found), violations_by_kind=found.by_name(),
                   seconds=round(time.monotonic() - started, 1))
    world.close()
    found.write(tmp_path / "violations.txt")


def _show_steps(world: World, found: inv.Violations) -> None:
    """The steps that led to the violations, printed before the suite fails."""
    if found.found:
        print("steps:\n  " + "\n  ".join(world.trail))


def comment_count(world: World) -> int:
    return sum(1 for ref in world.refs() for c in world.history(ref).comments if c.by_bot and c.completion)


def wait_converged(world: World, timeout: float) -> bool:
    """Until every item expresses SpecWeave's status and the outbox is empty (weavesync working on its own)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        local = world.local()
        if all(world.satisfied(local).values()) and not open_outbox(world.root):
            return True
        time.sleep(0.5)
    return False


def stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()


WATCH = ("watch", "--poll-interval", "1", "--debounce-ms", "100")


def test_watch_killed_at_random_points_loses_and_duplicates_nothing(reliability_sandbox: Sandbox, tmp_path: Path,
                                                                    seed: int) -> None:
    print(f"\nkill -9 watch suite seed={seed} (replay: WEAVESYNC_SEED={seed})")
    rng = random.Random(seed + 1)
    increments = [f"{n:04d}-watch-{n}" for n in range(1, INCREMENTS + 1)]
    world = World.build(reliability_sandbox, tmp_path, increments, TRACKERS)
    found = inv.Violations()
    world.violations = found
    changes = kills = 0
    started = time.monotonic()
    try:
        for n in range(1, KILLS + 1):
            process = world.cli.start(*WATCH)
            time.sleep(rng.uniform(0.0, 1.0))
            changes += change_some(world, rng, f"kill {n}")
            after = rng.uniform(0.2, 3.0)
            time.sleep(after)
            run = world.cli.kill(process, WATCH)
            kills += run.killed
            world.note(f"kill {n}: watch killed {after:.2f}s after the change" if run.killed
                       else f"kill {n}: watch had ended: {run}")
            if not run.killed:
                found.found.append(f"kill {n}: watch ended by itself: {run}")
            world.check_always(f"after kill {n}")
            if n % SETTLE_EVERY == 0 or n == KILLS:
                process = world.cli.start(*WATCH)
                try:
                    converged = wait_converged(world, 30.0)
                finally:
                    stop(process)
                if not converged:
                    world.note(f"kill {n}: a fresh watch did not converge within 30 s")
                world.check_always(f"settle after kill {n}")
                world.check_settled(f"settle after kill {n}")
    finally:
        _wrap_up(world, found, tmp_path, "kill-watch", started,
                 seed=seed, kills=kills, changes=changes, comments=comment_count(world))
    _show_steps(world, found)
    found.assert_none()


RACES = 100 if LONG else 3


def test_specweave_writing_while_sync_runs_is_never_lost(reliability_sandbox: Sandbox, tmp_path: Path,
                                                          seed: int) -> None:
    """SpecWeave changes statuses at random moments while `weavesync sync` runs (it writes the same
    metadata.json files: bases, accepted statuses). SpecWeave's write must survive, and be pushed."""
    print(f"\nfile race suite seed={seed} (replay: WEAVESYNC_SEED={seed})")
    rng = random.Random(seed + 2)
    increments = [f"{n:04d}-race-{n}" for n in range(1, INCREMENTS + 1)]
    world = World.build(reliability_sandbox, tmp_path, increments, TRACKERS)
    found = inv.Violations()
    world.violations = found
    changes = 0
    started = time.monotonic()
    try:
        for n in range(1, RACES + 1):
            changes += change_some(world, rng, f"race {n} (before the sync)")
            process = world.cli.start("sync", "--no-input")
            time.sleep(rng.uniform(0.0, 2.5))
            changes += change_some(world, rng, f"race {n} (while it runs)")
            _out, err = process.communicate(timeout=300)
            if process.returncode not in (0, 3):
                found.found.append(f"race {n}: sync ended with {process.returncode}: {err[-500:]}")
            world.check_always(f"race {n}")
            if n % SETTLE_EVERY == 0 or n == RACES:
                world.settle()
    finally:
        _wrap_up(world, found, tmp_path, "file-race", started,
                 seed=seed, races=RACES, changes=changes, comments=comment_count(world))
    _show_steps(world, found)
    found.assert_none()


def test_status_of_a_killed_run_is_still_what_specweave_wrote(reliability_sandbox: Sandbox, tmp_path: Path) -> None:
    """A run killed before it wrote anything leaves SpecWeave's files exactly as SpecWeave wrote them."""
    world = World.build(reliability_sandbox, tmp_path, ["0001-quiet"], (Tracker.JIRA,))
    try:
        world.set_local("0001-quiet", Status.PAUSED)
        before = (world.writer.increments_dir / "0001-quiet" / "metadata.json").read_text()
        world.cli.run_and_kill(["sync", "--no-input"], 0.0)
        assert (world.writer.increments_dir / "0001-quiet" / "metadata.json").read_text() == before
        world.check_always("kill at start")
        world.settle()
    finally:
        world.close()
