"""One proof scenario: a project, its increments linked to items alice made, and the eyes and hands the suites
use on it (SpecWeave writer, alice, histories, faults, the CLI), plus the bookkeeping the invariants need."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from weavesync.engine.retry import RetryPolicy
from weavesync.executor import ReconcileReport, SyncSession, reconcile
from weavesync.model import Status, Tracker
from weavesync.sandbox import Sandbox
from weavesync.specweave import find_project
from weavesync.store import Decision

from . import invariants as inv
from .harness import (
    Cli,
    Faults,
    Histories,
    ItemHistory,
    Person,
    Remote,
    Run,
    SpecWeaveWriter,
    open_outbox,
    pending_decisions,
)

Ref = tuple[Tracker, str]

FAST_RETRIES = RetryPolicy(base=0.02, cap=0.2, retry_after_cap=0.2, sleep_threshold=5.0)
"""In-process runs wait less than the CLI's defaults (a 1 s base): same code paths, shorter sleeps."""


@dataclass
class World:
    sandbox: Sandbox
    root: Path
    links: dict[str, list[Ref]] = field(default_factory=dict)
    expected: dict[str, Status] = field(default_factory=dict)
    """SpecWeave's status as the suite knows it must be (changed only by the suite or an allowed step)."""
    touched: set[Ref] = field(default_factory=set)
    """Items a person changed (managed state) since the link was last seen settled."""
    declined: set[Ref] = field(default_factory=set)
    """Items whose person's change was declined: they may differ from SpecWeave until the next change."""
    answered: set[Ref] = field(default_factory=set)
    """Items whose decision was answered with yes / a status: they must come back in sync by weavesync's pushes."""
    trail: list[str] = field(default_factory=list)
    """The steps so far, for reproductions."""
    violations: inv.Violations | None = None
    """Where checks put what they find; None: a check raises at once (hypothesis needs the failure)."""

    def __post_init__(self) -> None:
        self.writer = SpecWeaveWriter(self.root)
        self.person = Person(self.sandbox)
        self.histories = Histories(self.person)
        self.remote = Remote(self.sandbox)
        self.faults = Faults(self.sandbox)
        self.cli = Cli(self.root, self.sandbox)

    @classmethod
    def build(cls, sandbox: Sandbox, root: Path, increments: Sequence[str], trackers: Sequence[Tracker],
              status: Status = Status.ACTIVE) -> World:
        world = cls(sandbox, root)
        world.writer.create(increments, status)
        for inc in increments:
            world.links[inc] = []
            world.expected[inc] = status
            for tracker in trackers:
                item = world.person.create(tracker, status, f"proof {inc} {root.name}")
                world.writer.link(inc, tracker, item)
                world.links[inc].append((tracker, item))
        first = world.sync()
        assert first.code == 0, f"first sync of a fresh project failed: {first}"
        return world

    def close(self) -> None:
        self.faults.clear()
        self.person.close()
        self.remote.close()

    # -- steps --

    def note(self, step: str) -> None:
        self.trail.append(step)

    def sync(self, *extra: str) -> Run:
        return self.cli.run("sync", "--no-input", *extra)

    def sync_in_process(self) -> ReconcileReport:
        """`weavesync sync --no-input` in this process (the same engine, outbox and adapters over HTTP), with
        short retry waits."""
        with SyncSession.open(find_project(self.root), env=self.cli.env, retry=FAST_RETRIES) as session:
            return reconcile(session, session.policy(interactive=False))

    def set_local(self, inc: str, status: Status) -> None:
        self.writer.set_status(inc, status)
        self.expected[inc] = status
        # A new local status: a declined divergence is no longer "as decided".
        self.declined -= set(self.links[inc])
        self.answered -= set(self.links[inc])

    def refs(self) -> list[Ref]:
        return [ref for refs in self.links.values() for ref in refs]

    def increment_of(self, ref: Ref) -> str:
        return next(inc for inc, refs in self.links.items() if ref in refs)

    # -- observations --

    def local(self) -> dict[str, Status]:
        return {inc: self.writer.status(inc) for inc in self.links}

    def decisions(self) -> list[Decision]:
        return pending_decisions(self.root)

    def satisfied(self, local: dict[str, Status]) -> dict[Ref, bool]:
        return {ref: self.remote.satisfies(ref[0], ref[1], local[inc])
                for inc, refs in self.links.items() for ref in refs}

    def describe(self) -> dict[Ref, str]:
        out = {}
        for ref in self.refs():
            state = self.remote.read(*ref).state
            extra = f" [{', '.join(sorted(state.markers))}]" if state.markers else ""
            out[ref] = f"{state.state}{f' ({state.reason})' if state.reason else ''}{extra}"
        return out

    def history(self, ref: Ref) -> ItemHistory:
        return self.histories.read(*ref)

    # -- invariant bundles --

    def check_always(self, step: str, allowed: Sequence[str] = ()) -> None:
        """What must hold after every step, whatever happened (kills and faults included)."""
        found = inv.Violations()
        with found.collect(step):
            inv.files_parse_with_unknown_keys_kept(self.writer.increments_dir, self.links, self.links)
        local = self.local()
        with found.collect(step):
            inv.no_external_change_applied_without_decision(local, self.expected, allowed, step)
        self.expected.update(local)
        decisions = self.decisions()
        with found.collect(step):
            inv.at_most_one_decision_per_link(decisions)
        with found.collect(step):
            inv.no_decision_about_our_own_write(decisions, self.touched)
        for ref in self.refs():
            with found.collect(step):
                inv.no_duplicate_in_histories(self.history(ref))
        self._report(found)

    def _report(self, found: inv.Violations) -> None:
        if self.violations is not None:
            self.violations.found.extend(found.found)
        else:
            found.assert_none()

    def check_after_sync(self) -> None:
        """After a sync that finished (not killed): no decision left for a link whose sides agree."""
        local = self.local()
        inv.no_pending_decision_for_settled_link(self.decisions(), local, self.satisfied(local))

    def settle(self, *, attempts: int = 8, wait: float = 30.0, retry_wait: float = 90.0) -> list[Run]:
        """No faults; sync until it reports nothing left to do (exit 0 or 3 and an empty outbox), for up to
        `attempts` runs within `wait` seconds. An entry the outbox rescheduled for later (a long backoff, by the
        contract) is waited for, up to `retry_wait` seconds; an entry held by a dead worker is not. Then the
        strong invariants."""
        self.faults.clear()
        runs: list[Run] = []
        deadline = time.monotonic() + wait
        while True:
            run = self.sync()
            runs.append(run)
            left = open_outbox(self.root)
            if run.code in (0, 3) and not left:
                break
            due = [e.next_attempt_at for e in left if e.state == "retrying"]
            if due and len(due) == len(left):
                pause = (min(due) - datetime.now(UTC)).total_seconds() + 0.2
                if 0 < pause <= retry_wait:
                    time.sleep(pause)
                    deadline = max(deadline, time.monotonic() + 5)
                    continue
            if len(runs) >= attempts or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        self.check_settled("settle")
        return runs

    def check_settled(self, step: str = "settled") -> None:
        found = inv.Violations()
        with found.collect(step):
            inv.outbox_drained(open_outbox(self.root))
        local = self.local()
        satisfied = self.satisfied(local)
        decisions = self.decisions()
        with found.collect(step):
            inv.no_pending_decision_for_settled_link(decisions, local, satisfied)
        describe = self.describe()
        for inc, refs in self.links.items():
            for ref in refs:
                with found.collect(step):
                    inv.every_link_settled_or_decided({inc: [ref]}, local, satisfied, decisions, self.declined,
                                                      self.touched, describe, self.answered)
        for ref in self.refs():
            with found.collect(step):
                inv.one_comment_per_completion(self.history(ref))
        # Settled links start afresh: a later decision on them needs a new change by a person.
        decided = {(d.payload["link"]["tracker"], d.payload["link"]["item"]) for d in decisions}
        for ref in self.refs():
            if satisfied[ref] and (ref[0].value, ref[1]) not in decided:
                self.touched.discard(ref)
                self.declined.discard(ref)
                self.answered.discard(ref)
        self._report(found)
