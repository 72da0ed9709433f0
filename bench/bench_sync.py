"""What a whole `weavesync sync` costs on a big project: API calls per endpoint, time, memory, write latency.

Builds a SpecWeave project of N increments (default 1,000), each linked to one item per tracker (items seeded in
bulk through the sandbox's ``/_sandbox/seed`` control, links written straight into metadata.json in SpecWeave
1.0.x's ``externalLinks`` shape), then measures five steps, each a fresh `SyncSession` as one CLI run would open:

1. first sync (no bases yet: every link is in its mapped state, so bases are recorded and nothing is written);
2. a sync with nothing changed (reads only);
3. `--changed` increments (default 100) moved active -> completed locally, then a sync (pushes + comments);
4. `--closed` items (default 100) per tracker closed by a person, then ``sync --no-input`` (pending decisions);
5. `plan` over the whole project.

It drives the library (`weavesync.executor.reconcile` / `plan`, the very calls ``weavesync sync`` and ``weavesync
plan`` make), not the CLI process, so per-write latency can be taken around each adapter call. API calls come
from the sandbox's own request counter. The sandbox runs in a child process, so the memory figures are this
process's: weavesync plus the harness.

GitHub: the sandbox enforces GitHub's real limits and the adapter paces writes (60 per minute). By default both
are lifted, to measure weavesync's own cost; ``--github-pacing`` keeps the adapter's pacing and the sandbox's
real limits, to see how long the same work takes against api.github.com.

    PYTHONPATH=src python -m bench.bench_sync [--increments 1000] [--trackers github,jira,ado]
        [--changed 100] [--closed 100] [--github-pacing] [--tracemalloc]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from bench.common import (
    LIFTED_GITHUB_LIMITS,
    REAL_GITHUB_LIMITS,
    Calls,
    SandboxProcess,
    control,
    percentile,
    read_counts,
    reset_counts,
)
from weavesync.config import default_mappings
from weavesync.executor import ReconcileReport, SyncSession, plan, reconcile
from weavesync.model import Connection, Secret, Status, Tracker
from weavesync.sandbox import ACCOUNTS, BOT, PERSON
from weavesync.specweave import find_project, set_status
from weavesync.trackers import registry
from weavesync.trackers.base import TrackerAdapter
from weavesync.trackers.http import Governor, governor_for

NAMES = {Tracker.GITHUB: "github", Tracker.JIRA: "jira", Tracker.ADO: "ado"}
PLACES: dict[Tracker, dict[str, str]] = {
    Tracker.GITHUB: {"owner": "acme", "repo": "shop"},
    Tracker.JIRA: {"domain": "acme.atlassian.net", "projectKey": "CORE"},
    Tracker.ADO: {"organization": "acme", "project": "Shop"},
}


# -- timing the adapters ----------------------------------------------------------------------------------------

@dataclass
class TimedSession(SyncSession):
    """A `SyncSession` whose adapters time every `write` and `comment` (seconds, per tracker)."""

    timings: dict[str, list[float]] = field(default_factory=dict)
    _wrapped: set[Tracker] = field(default_factory=set, repr=False)

    def adapter(self, tracker: Tracker) -> TrackerAdapter:
        found = super().adapter(tracker)
        if tracker not in self._wrapped:
            self._wrapped.add(tracker)
            for name in ("write", "comment"):
                setattr(found, name, self._timed(f"{tracker.value} {name}", getattr(found, name)))
        return found

    def _timed(self, key: str, call: Callable[..., Any]) -> Callable[..., Any]:
        spent = self.timings.setdefault(key, [])

        def run(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                spent.append(time.perf_counter() - start)

        return run


# -- results ------------------------------------------------------------------------------------------------

@dataclass
class Step:
    """One run's figures. Only a summary of its report is kept: holding 3,000 link results per step would
    inflate the memory figures of the steps after it."""

    name: str
    seconds: float
    calls: dict[str, Calls]
    rss_mib: float
    heap_peak_mib: float | None
    links: int
    problems: list[str]
    pending: int
    outcomes: dict[tuple[str, str], int]
    """(tracker, outcome) -> outbox entries that ended so in this run."""
    errors: list[str]
    timings: dict[str, list[float]] = field(default_factory=dict)

    @property
    def total_calls(self) -> int:
        return sum(c.total for c in self.calls.values())

    @property
    def total_writes(self) -> int:
        return sum(c.writes for c in self.calls.values())

    @property
    def outbox_entries(self) -> int:
        return sum(self.outcomes.values())

    def pushed(self, tracker: str) -> int:
        return self.outcomes.get((tracker, "ok"), 0)


@dataclass
class Result:
    increments: int
    trackers: list[str]
    github_pacing: bool
    steps: list[Step] = field(default_factory=list)
    rss_before_mib: float = 0.0
    """This process's maxrss once the project is built, before the first run (imports, harness)."""

    def step(self, name: str) -> Step:
        return next(s for s in self.steps if s.name == name)


# -- building the project -----------------------------------------------------------------------------------

def seed_items(sandbox: SandboxProcess, trackers: Sequence[Tracker], count: int) -> dict[Tracker, list[str]]:
    """`count` items per tracker, each already in the state `active` maps to (open + in-progress, In Progress,
    Active), created in bulk through the sandbox control (no API calls, no webhooks)."""
    items: dict[Tracker, list[str]] = {}
    for tracker in trackers:
        url = sandbox.urls[NAMES[tracker]]
        if tracker is Tracker.GITHUB:
            made = control(url, "seed", {"count": count, "labels": ["in-progress"]})
            items[tracker] = [f"acme/shop#{n}" for n in range(made["first"], made["last"] + 1)]
        elif tracker is Tracker.JIRA:
            items[tracker] = list(control(url, "seed", {"count": count, "status": "In Progress"})["keys"])
        else:
            made = control(url, "seed", {"count": count, "type": "Feature", "state": "Active"})
            items[tracker] = [f"acme/Shop/{i}" for i in made["ids"]]
    return items


def increment_id(index: int) -> str:
    return f"{index + 1:04d}-bench-{index + 1}"


def write_project(root: Path, trackers: Sequence[Tracker], items: dict[Tracker, list[str]], count: int) -> None:
    """The project files, written directly (links in the 1.0.x ``externalLinks`` shape `add_link` writes)."""
    specweave = root / ".specweave"
    (specweave / "increments").mkdir(parents=True)
    sync: dict[str, Any] = {"enabled": True}
    for tracker in trackers:
        sync[tracker.value] = {"enabled": True, **PLACES[tracker]}
    (specweave / "config.json").write_text(json.dumps({"project": {"name": "shop"}, "sync": sync}, indent=2))
    for index in range(count):
        inc = increment_id(index)
        links: dict[str, Any] = {}
        for tracker in trackers:
            item = items[tracker][index]
            if tracker is Tracker.GITHUB:
                number = int(item.rsplit("#", 1)[1])
                links["github"] = {"issueNumber": number, "issueUrl": f"https://github.com/acme/shop/issues/{number}",
                                   "repo": "acme/shop"}
            elif tracker is Tracker.JIRA:
                links["jira"] = {"issueKey": item}
            else:
                ident = int(item.rsplit("/", 1)[1])
                links["ado"] = {"workItemId": ident,
                                "workItemUrl": f"https://dev.azure.com/acme/Shop/_workitems/edit/{ident}"}
        folder = specweave / "increments" / inc
        folder.mkdir()
        metadata = {"id": inc, "status": "active", "type": "feature", "priority": "P2",
                    "created": "2026-11-01T09:00:00.000Z", "lastActivity": "2026-11-01T09:00:00.000Z",
                    "testMode": "TDD", "coverageTarget": 80, "externalLinks": links, "project": "shop"}
        (folder / "metadata.json").write_text(json.dumps(metadata, indent=2))
        (folder / "spec.md").write_text(f"---\nincrement: {inc}\ntitle: \"Bench increment {index + 1}\"\n"
                                        f"type: feature\npriority: P2\nstatus: active\nstructure: user-stories\n"
                                        f"---\n\n# Bench increment {index + 1}\n")


def person(sandbox: SandboxProcess, tracker: Tracker) -> TrackerAdapter:
    """Alice's adapter: a person changing items by hand through the same APIs, with her own credentials."""
    account = ACCOUNTS[NAMES[tracker]][PERSON]
    url = sandbox.urls[NAMES[tracker]] + ("/acme" if tracker is Tracker.ADO else "")
    return registry.kind(tracker).connect(Connection(tracker, url, PLACES[tracker], user=account.email,
                                                     token=Secret(account.secret)))


# -- measuring ----------------------------------------------------------------------------------------------

class Bench:
    def __init__(self, sandbox: SandboxProcess, root: Path, trackers: Sequence[Tracker], *,
                 use_tracemalloc: bool) -> None:
        self.sandbox = sandbox
        self.root = root
        self.trackers = list(trackers)
        self.use_tracemalloc = use_tracemalloc

    def urls(self) -> dict[str, str]:
        return {NAMES[t]: self.sandbox.urls[NAMES[t]] for t in self.trackers}

    def measure(self, name: str, run: Callable[[TimedSession], ReconcileReport]) -> Step:
        """One CLI-like run: open a session, `run` it, close it; the sandbox's counts for exactly that."""
        reset_counts(self.urls().values())
        if self.use_tracemalloc:
            tracemalloc.reset_peak()
        heap_before = tracemalloc.get_traced_memory()[0] if self.use_tracemalloc else 0
        start = time.perf_counter()
        session = cast(TimedSession, TimedSession.open(find_project(self.root), env=self.sandbox.bot_env()))
        try:
            report = run(session)
        finally:
            session.close()
        seconds = time.perf_counter() - start
        heap = (tracemalloc.get_traced_memory()[1] - heap_before) / 2**20 if self.use_tracemalloc else None
        calls = {tracker: Calls(read_counts(url)) for tracker, url in self.urls().items()}
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        outcomes = Counter((w.tracker, w.outcome) for w in report.writes)
        errors = [f"{w.tracker} {w.item}: {w.outcome}: {w.error}" for w in report.writes if w.outcome != "ok"]
        return Step(name, seconds, calls, rss, heap, links=len(report.links), problems=list(report.problems),
                    pending=len(report.pending), outcomes=dict(outcomes), errors=errors, timings=session.timings)

    def sync(self, name: str) -> Step:
        return self.measure(name, lambda s: reconcile(s, s.policy(interactive=False), trigger="cli"))

    def plan(self, name: str) -> Step:
        return self.measure(name, lambda s: plan(s, s.policy(interactive=False)))

    def complete_locally(self, indexes: range) -> None:
        """SpecWeave moves these increments active -> completed (as `/sw:done` would)."""
        project = find_project(self.root)
        now = datetime.now(UTC)
        for index in indexes:
            set_status(project.increment(increment_id(index)), Status.COMPLETED, now=now, reason="bench")

    def close_by_hand(self, items: dict[Tracker, list[str]], indexes: range) -> None:
        """Alice closes these items in each tracker (completed), one API write each, as a person would."""
        mappings = default_mappings()
        for tracker in self.trackers:
            adapter = person(self.sandbox, tracker)
            try:
                target = mappings[tracker].target(Status.COMPLETED)
                for index in indexes:
                    adapter.write(items[tracker][index], target, mappings[tracker].managed)
            finally:
                adapter.close()


def _check(ok: bool, message: str) -> None:
    """A bench that measured the wrong thing must say so, not print figures."""
    if not ok:
        raise RuntimeError(f"bench_sync: {message}")


def run(increments: int = 1000, trackers: Sequence[str] = ("github", "jira", "ado"), *, changed: int = 100,
        closed: int = 100, github_pacing: bool = False, use_tracemalloc: bool = False,
        out: Callable[[str], None] = print) -> Result:
    chosen = [Tracker(t) for t in trackers]
    changed = min(changed, increments // 2)
    closed = min(closed, increments - changed)
    result = Result(increments, [t.value for t in chosen], github_pacing)
    root = Path(tempfile.mkdtemp(prefix="weavesync-bench-"))
    if use_tracemalloc:
        tracemalloc.start()
    try:
        with SandboxProcess([NAMES[t] for t in chosen]) as sandbox:
            github = sandbox.urls.get("github")
            if github:
                control(github, "ratelimit", LIFTED_GITHUB_LIMITS)
                # Governors are shared per (tracker, server, credential): registering them first decides the
                # pacing of every client of this sandbox. Alice's writes are setup, never paced.
                bot_pacing = None if not github_pacing else 60.0
                governor_for("github", github, ACCOUNTS["github"][BOT].secret,
                             lambda: Governor(writes_per_minute=bot_pacing))
                governor_for("github", github, ACCOUNTS["github"][PERSON].secret, Governor)
            items = seed_items(sandbox, chosen, increments)
            write_project(root, chosen, items, increments)
            bench = Bench(sandbox, root, chosen, use_tracemalloc=use_tracemalloc)
            result.rss_before_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            links = increments * len(chosen)

            def limits(real: bool) -> None:
                if github and github_pacing:
                    control(github, "ratelimit", REAL_GITHUB_LIMITS if real else LIFTED_GITHUB_LIMITS)

            limits(True)
            first = bench.sync("1 first sync")
            _check(first.links == links and not first.problems and first.total_writes == 0,
                   f"first sync: {first.links} links, problems {first.problems[:3]}")
            result.steps.append(first)
            same = bench.sync("2 no-change sync")
            _check(same.total_writes == 0 and not same.outbox_entries, "the no-change sync wrote something")
            result.steps.append(same)

            bench.complete_locally(range(changed))
            push = bench.sync(f"3 {changed} completed locally, sync")
            for tracker in chosen:
                _check(push.pushed(tracker.value) == changed,
                       f"{tracker.value}: {push.pushed(tracker.value)} of {changed} pushes landed "
                       f"({push.errors[:3]})")
            result.steps.append(push)

            limits(False)
            bench.close_by_hand(items, range(changed, changed + closed))
            limits(True)
            inbound = bench.sync(f"4 {closed} closed by a person, sync --no-input")
            _check(inbound.pending == closed * len(chosen) and inbound.total_writes == 0,
                   f"{inbound.pending} decisions pending, expected {closed * len(chosen)}")
            result.steps.append(inbound)
            preview = bench.plan("5 plan (whole project)")
            _check(preview.total_writes == 0, "plan wrote something")
            result.steps.append(preview)
    finally:
        if use_tracemalloc:
            tracemalloc.stop()
        shutil.rmtree(root, ignore_errors=True)
    print_result(result, out)
    return result


# -- printing -----------------------------------------------------------------------------------------------

def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def print_result(result: Result, out: Callable[[str], None] = print) -> None:
    pacing = "adapter pacing 60 writes/min + real GitHub limits" if result.github_pacing else \
        "GitHub limits lifted, no write pacing"
    out(f"bench_sync: {result.increments} increments x {len(result.trackers)} trackers "
        f"({', '.join(result.trackers)}); library calls reconcile/plan; {pacing}; "
        f"maxrss before the first run {result.rss_before_mib:.0f} MiB")
    for step in result.steps:
        heap = f", heap peak +{step.heap_peak_mib:.1f} MiB" if step.heap_peak_mib is not None else ""
        out(f"\n== {step.name}: {step.seconds:.2f} s, {step.total_calls} API calls "
            f"({step.total_writes} writes), maxrss so far {step.rss_mib:.0f} MiB{heap}")
        for tracker, calls in step.calls.items():
            line = f"  {tracker:6s} {calls.total:5d} calls ({calls.reads} reads, {calls.writes} writes)"
            pushed = step.pushed(tracker)
            if pushed:
                line += (f"; {pushed} pushed: {calls.total / pushed:.2f} calls ({calls.writes / pushed:.2f} writes) "
                         "per pushed item")
            out(line)
            for route, n in sorted(calls.per_route.items()):
                out(f"         {n:5d}  {route}")
        for key, spent in sorted(step.timings.items()):
            if spent:
                out(f"  {key:14s} n={len(spent):4d}  p50 {_ms(percentile(spent, 50))} ms  "
                    f"p95 {_ms(percentile(spent, 95))} ms  p99 {_ms(percentile(spent, 99))} ms  "
                    f"max {_ms(max(spent))} ms")
        if step.pending:
            out(f"  pending decisions: {step.pending}")
    out(f"\ntotal: {sum(s.seconds for s in result.steps):.2f} s over {len(result.steps)} runs, "
        f"{sum(s.total_calls for s in result.steps)} API calls")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--increments", type=int, default=1000)
    parser.add_argument("--trackers", default="github,jira,ado")
    parser.add_argument("--changed", type=int, default=100, help="increments completed locally in step 3")
    parser.add_argument("--closed", type=int, default=100, help="items a person closes in step 4, per tracker")
    parser.add_argument("--github-pacing", action="store_true",
                        help="keep the adapter's 60 writes/min and the sandbox's real GitHub limits")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="also report each run's Python heap peak (slows the runs down)")
    args = parser.parse_args(argv)
    trackers = [t.strip() for t in args.trackers.split(",") if t.strip()]
    if not 2 <= args.increments <= 9999:
        parser.error("--increments must be between 2 and 9999")
    unknown = set(trackers) - set(NAMES[t] for t in Tracker)
    if unknown or not trackers:
        parser.error(f"--trackers: unknown {', '.join(sorted(unknown)) or '(none given)'}")
    run(args.increments, trackers, changed=args.changed, closed=args.closed, github_pacing=args.github_pacing,
        use_tracemalloc=args.tracemalloc)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
