"""Model-based test: hypothesis drives random sequences of everything that happens to a synced project, over real
HTTP against the sandbox, and checks the invariants after every step.

Steps: SpecWeave status changes (valid transitions, written as SpecWeave writes them); alice's changes on each
tracker (GitHub close as completed / not planned and reopen, Jira transitions, Azure DevOps state changes);
unrelated labels and tags; `weavesync sync` with each conflict strategy and `--yes`; syncs under random faults,
429s and lost responses; `weavesync resolve` of one decision (`--link`) or of all of an increment's at once;
`weavesync sync` killed with SIGKILL at a random moment; and settling (no faults, sync until done).

Short (CI): 5 examples of up to 8 steps from a fixed seed (the same sequences every run, no example database).
Long (``WEAVESYNC_LONG=1``): 25 examples of up to 30 steps from a random seed, printed (``WEAVESYNC_SEED``
replays it).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import ClassVar

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from weavesync.model import Status, Tracker
from weavesync.sandbox import Sandbox

from . import invariants as inv
from .conftest import record_figures
from .harness import ADO_STATES, LONG, TIMEOUT, TRANSITIONS, Run, decision_item
from .world import Ref, World

pytestmark = pytest.mark.timeout(TIMEOUT)

LAYOUT = {"0001-alpha": (Tracker.GITHUB, Tracker.JIRA), "0002-beta": (Tracker.JIRA, Tracker.ADO)}
STRATEGIES = ("prompt", "specweave-wins", "external-wins", "last-write-wins")
FIGURES = {"examples": 0, "steps": 0, "kills": 0, "local_changes": 0, "person_changes": 0, "labels": 0,
           "syncs": 0, "resolves": 0, "faulty_syncs": 0, "settles": 0, "faults_injected": 0}


def cli_target(ref: Ref) -> str:
    tracker, item = ref
    if tracker is Tracker.ADO:
        place, _, ident = item.rpartition("/")
        return f"ado:{place}#{ident}"
    return f"{tracker.value}:{item}"


class SyncModel(RuleBasedStateMachine):
    sandbox: ClassVar[Sandbox]
    base: ClassVar[Path]

    def __init__(self) -> None:
        super().__init__()
        self.world: World | None = None
        self.settled_at = 0

    @initialize()
    def project(self) -> None:
        root = Path(tempfile.mkdtemp(prefix="model-", dir=self.base))
        self.world = World(self.sandbox, root)
        self.world.writer.create(list(LAYOUT))
        for inc, trackers in LAYOUT.items():
            self.world.links[inc] = []
            self.world.expected[inc] = Status.ACTIVE
            for tracker in trackers:
                item = self.world.person.create(tracker, Status.ACTIVE, f"model {inc} {root.name}")
                self.world.writer.link(inc, tracker, item)
                self.world.links[inc].append((tracker, item))
        first = self.world.sync()
        assert first.code == 0, f"first sync of a fresh project failed: {first}"
        FIGURES["examples"] += 1

    @property
    def w(self) -> World:
        assert self.world is not None
        return self.world

    def step(self, text: str) -> None:
        self.w.note(text)
        FIGURES["steps"] += 1
        print(f"  step: {text}")

    def after_sync(self, run: Run, step: str, allowed: list[str]) -> None:
        if not run.killed and run.code not in (0, 1, 3):
            raise inv.InvariantViolation("command-fails-cleanly", f"`{step}` ended with an unexpected code: {run}")
        self.w.check_always(step, allowed)
        if not run.killed and run.code in (0, 3):
            self.w.check_after_sync()

    def touched_incs(self) -> list[str]:
        return sorted({self.w.increment_of(ref) for ref in self.w.touched})

    # -- SpecWeave --

    @rule(inc=st.sampled_from(sorted(LAYOUT)), pick=st.integers(0, 11))
    def specweave_changes_status(self, inc: str, pick: int) -> None:
        choices = TRANSITIONS[self.w.expected[inc]]
        target = choices[pick % len(choices)]
        self.step(f"SpecWeave: {inc} {self.w.expected[inc].value} -> {target.value}")
        self.w.set_local(inc, target)
        FIGURES["local_changes"] += 1
        self.w.check_always("SpecWeave change")

    @rule(inc=st.sampled_from(sorted(LAYOUT)), pick=st.integers(0, 11), delay=st.floats(0.0, 2.0))
    def specweave_changes_status_during_a_sync(self, inc: str, pick: int, delay: float) -> None:
        choices = TRANSITIONS[self.w.expected[inc]]
        target = choices[pick % len(choices)]
        text = f"SpecWeave: {inc} {self.w.expected[inc].value} -> {target.value} {delay:.2f}s into a sync"
        self.step(text)
        process = self.w.cli.start("sync", "--no-input")
        time.sleep(delay)
        self.w.set_local(inc, target)
        out, err = process.communicate(timeout=300)
        FIGURES["local_changes"] += 1
        FIGURES["syncs"] += 1
        self.after_sync(Run(["sync", "--no-input"], process.returncode, out, err), text, [])

    # -- alice --

    @rule(index=st.integers(0, 3), pick=st.integers(0, 11))
    def alice_changes_an_item(self, index: int, pick: int) -> None:
        ref = self.w.refs()[index % len(self.w.refs())]
        tracker, item = ref
        person = self.w.person
        if tracker is Tracker.GITHUB:
            if person.github_issue(item)["state"] == "open":
                reason = ("completed", "not_planned")[pick % 2]
                self.step(f"alice closes github {item} as {reason}")
                person.github_close(item, reason)
            else:
                self.step(f"alice reopens github {item}")
                person.github_reopen(item)
        elif tracker is Tracker.JIRA:
            offered = sorted(person.jira_transitions(item))
            target = offered[pick % len(offered)]
            self.step(f"alice moves jira {item} {person.jira_status(item)} -> {target}")
            person.jira_transition(item, target)
        else:
            current = person.ado_fields(item)["System.State"]
            others = [s for s in ADO_STATES if s != current]
            target = others[pick % len(others)]
            self.step(f"alice sets ado {item} {current} -> {target}")
            person.ado_state(item, target)
        self.w.touched.add(ref)
        self.w.declined.discard(ref)
        self.w.answered.discard(ref)
        FIGURES["person_changes"] += 1
        self.w.check_always("alice's change")

    @rule(index=st.integers(0, 3), n=st.integers(1, 3))
    def alice_adds_an_unrelated_label(self, index: int, n: int) -> None:
        tracker, item = self.w.refs()[index % len(self.w.refs())]
        self.step(f"alice labels {tracker.value} {item} customer-{n}")
        self.w.person.unrelated_label(tracker, item, f"customer-{n}")
        FIGURES["labels"] += 1
        self.w.check_always("unrelated label")

    # -- weavesync --

    @rule(strategy=st.sampled_from(STRATEGIES), yes=st.sampled_from((False, False, False, True)))
    def sync(self, strategy: str, yes: bool) -> None:
        args = ["--strategy", strategy] + (["--yes"] if yes else [])
        text = f"weavesync sync --no-input {' '.join(args)}"
        self.step(text)
        automatic = yes or strategy in ("external-wins", "last-write-wins")
        allowed = self.touched_incs() if automatic else []
        run = self.w.sync(*args)
        FIGURES["syncs"] += 1
        self.after_sync(run, text, allowed)

    @rule(kind=st.sampled_from(("random", "lost", "429", "503")), tracker=st.sampled_from(list(Tracker)),
          fault_seed=st.integers(0, 10_000))
    def sync_under_faults(self, kind: str, tracker: Tracker, fault_seed: int) -> None:
        faults = self.w.faults
        if kind == "random":
            faults.rate(0.2, seed=fault_seed)
        elif kind == "429":
            faults.script_429(tracker)
        else:
            faults.script(tracker, kind)
        text = f"weavesync sync --no-input with faults ({kind} on {tracker.value}, seed {fault_seed})"
        self.step(text)
        try:
            run = self.w.sync()
        finally:
            faults.clear()
        FIGURES["faulty_syncs"] += 1
        self.after_sync(run, text, [])

    @rule(after=st.floats(0.1, 3.0))
    def sync_killed(self, after: float) -> None:
        text = f"weavesync sync --no-input killed after {after:.2f}s"
        self.step(text)
        run = self.w.cli.run_and_kill(["sync", "--no-input"], after)
        FIGURES["kills"] += run.killed
        self.after_sync(run, text, [])

    def has_decisions(self) -> bool:
        return bool(self.w.decisions())

    @precondition(has_decisions)
    @rule(which=st.integers(0, 3), mode=st.sampled_from(("accept", "decline", "status")), single=st.booleans(),
          pick=st.integers(0, 11))
    def resolve(self, which: int, mode: str, single: bool, pick: int) -> None:
        decisions = self.w.decisions()
        chosen = decisions[which % len(decisions)]
        inc = chosen.increment
        answered = [d for d in decisions if d.increment == inc and (not single or d.id == chosen.id)]
        args = ["resolve", inc]
        if mode == "status" and all(d.kind == "inbound" for d in answered):
            choices = TRANSITIONS[self.w.expected[inc]]
            args += ["--status", choices[pick % len(choices)].value]
        else:
            mode = "accept" if mode == "status" else mode
            args.append(f"--{mode}")
        if single:
            args += ["--link", cli_target(decision_item(chosen))]
        text = "weavesync " + " ".join(args)
        self.step(text)
        run = self.w.cli.run(*args)
        FIGURES["resolves"] += 1
        if run.code not in (0, 3):
            raise inv.InvariantViolation("resolve-answers-what-was-asked", f"`{text}` with {len(answered)} "
                                         f"pending decision(s) of {inc} was refused: {run}")
        for decision in answered:
            ref = decision_item(decision)
            self.w.touched.discard(ref)
            if mode == "decline" and decision.kind == "inbound":
                self.w.declined.add(ref)
            elif mode != "decline":
                self.w.answered.add(ref)
        self.w.check_always(text, [] if mode == "decline" else [inc])

    def settle_due(self) -> bool:
        return self.world is not None and self.w.trail[-1:] != [] and len(self.w.trail) - self.settled_at >= 4

    @precondition(settle_due)
    @rule()
    def settle(self) -> None:
        self.settled_at = len(self.w.trail)
        self.step("settle: no faults, sync until nothing is left to do")
        FIGURES["settles"] += 1
        self.w.settle()

    @invariant()
    def files_always_parse(self) -> None:
        if self.world is not None:
            inv.files_parse_with_unknown_keys_kept(self.w.writer.increments_dir, self.w.links, self.w.links)

    def teardown(self) -> None:
        if self.world is None:
            return
        try:
            self.step("teardown: settle")
            self.w.settle()
        finally:
            self.w.close()
            FIGURES["faults_injected"] += self.w.faults.total


def test_model_based_sync_keeps_every_invariant(reliability_sandbox: Sandbox, tmp_path: Path, seed: int) -> None:
    SyncModel.sandbox = reliability_sandbox
    SyncModel.base = tmp_path
    chosen = settings(
        max_examples=25 if LONG else 5, stateful_step_count=30 if LONG else 8, deadline=None, database=None,
        derandomize=False, phases=(Phase.explicit, Phase.generate), print_blob=True,
        suppress_health_check=list(HealthCheck), report_multiple_bugs=False)
    print(f"\nmodel-based test: seed {seed} (replay: {'WEAVESYNC_LONG=1 ' if LONG else ''}WEAVESYNC_SEED={seed})")
    machine = hypothesis_seed(seed)(SyncModel)
    started = time.monotonic()
    try:
        run_state_machine_as_test(machine, settings=chosen)
    finally:
        record_figures("model", seed=seed, **FIGURES,
                       seconds=round(time.monotonic() - started, 1))
