"""Step 3 (a failing tracker: retries with growing waits, one write) and step 4 (a conflict, decided by the
configured strategy and recorded).

Failures are scripted through the sandbox's control API (``/_sandbox/script``), which answers the next matching
requests with the given status before the tracker app ever sees them; the sandbox's request counters
(``/_sandbox/stats``) then prove how many writes really reached the tracker.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from weavesync.demo.events import Emit, Heading, Line, Table
from weavesync.demo.project import CONFLICT_STRATEGY, PAYMENTS, SEARCH
from weavesync.demo.steps import state_of, writes_table
from weavesync.demo.summary import ConflictFacts, RetryFacts
from weavesync.demo.world import DemoWorld
from weavesync.executor import reconcile
from weavesync.model import Status, Tracker
from weavesync.specweave import set_status

ISSUE_PATCH = "PATCH /repos/{owner}/{repo}/issues/{issue_number}"
"""The sandbox's counter key for a successful issue update (method and route template)."""


def step_failures(world: DemoWorld, emit: Emit) -> RetryFacts:
    """AC-US4-05: GitHub answers 503, 503, then 429 with Retry-After; weavesync waits longer each time, and the
    close lands exactly once."""
    emit(Heading(3, "A tracker fails with 503 and 429: retried with growing waits, written once (AC-US4-05)"))
    item = world.item(SEARCH.id, Tracker.GITHUB)
    number = item.rsplit("#", 1)[1]
    path = rf"/repos/acme/shop/issues/{number}$"
    world.control(Tracker.GITHUB, "POST", "stats/reset")
    world.control(Tracker.GITHUB, "POST", "script", [
        {"kind": "503", "method": "PATCH", "path": path, "times": 2, "headers": {"retry-after": ""}},
        {"kind": "429", "method": "PATCH", "path": path, "headers": {"Retry-After": "1"}},
    ])
    emit(Line(f"the sandbox GitHub will refuse the next writes to {item}: 503, 503, then 429 with "
              "Retry-After: 1", "dim"))
    with world.session() as session:
        set_status(session.increment(SEARCH.id), Status.COMPLETED, now=datetime.now(UTC))
        emit(Line(f"SpecWeave: {SEARCH.id} active → completed"))
        report = reconcile(session, session.policy(interactive=False))
    (write,) = [w for w in report.writes if w.item == item]
    rows = [[str(n), "refused", f"{wait:.2f} s"] for n, wait in enumerate(write.waits, start=1)]
    rows.append([str(write.attempts), write.outcome, ""])
    emit(Table("Attempts (waits: exponential backoff with jitter, then the server's Retry-After)",
               ["Attempt", "Result", "Wait before the next"], rows))
    counters: dict[str, int] = world.control(Tracker.GITHUB, "GET", "stats")["requests"]
    refused = {key.removeprefix("FAULT "): count for key, count in counters.items() if key.startswith("FAULT ")}
    landed = counters.get(ISSUE_PATCH, 0)
    stat_rows = [[f"{status} (refused)", str(count)] for status, count in sorted(refused.items())]
    stat_rows.append(["PATCH issue (reached the tracker)", str(landed)])
    emit(Table("The sandbox's request counter for this step", ["Request", "Count"], stat_rows))
    emit(Line(f"GitHub {item}: {state_of(world, Tracker.GITHUB, item)}; the close landed "
              f"{'once' if landed == 1 else f'{landed} times'}", "good" if landed == 1 else "bad"))
    return RetryFacts(item=item, outcome=write.outcome, attempts=write.attempts, waits=list(write.waits),
                      successful_writes=landed, refused=refused)


def step_conflict(world: DemoWorld, emit: Emit) -> ConflictFacts | None:
    """US-006: alice moves 0004's Jira issue to Done while SpecWeave pauses 0004; `last-write-wins` decides."""
    emit(Heading(4, f"Both sides change at once: `{CONFLICT_STRATEGY}` decides, and it is recorded (US-006)"))
    item = world.item(PAYMENTS.id, Tracker.JIRA)
    world.alice_sets(Tracker.JIRA, item, Status.COMPLETED)
    emit(Line(f"alice moves Jira {item} ({PAYMENTS.id}) to {state_of(world, Tracker.JIRA, item)}", "person"))
    with world.session() as session:
        set_status(session.increment(PAYMENTS.id), Status.PAUSED, now=datetime.now(UTC),
                   reason="waiting for the payment provider")
        emit(Line(f"a moment later, SpecWeave: {PAYMENTS.id} active → paused"))
        report = reconcile(session, session.policy(interactive=False))
        local = session.increment(PAYMENTS.id).status
        records = [r for r in session.log.records(conflicts=True) if r.get("item") == item]
    if not records:
        emit(Line("no conflict was recorded", "bad"))
        return None
    record = records[-1]
    emit(Line(str(record["reason"]), "info"))
    emit(Table("Conflict history (`weavesync log --conflicts`)",
               ["Increment", "Item", "SpecWeave", "Jira", "Strategy", "Winner"],
               [[str(record["increment"]), f"Jira {item}", str(record["local"]), _external(record["external"]),
                 str(record["strategy"]), str(record["outcome"])]]))
    if report.writes:
        emit(writes_table("weavesync carried out the winner's status", report.writes))
    emit(Line(f"SpecWeave: {PAYMENTS.id} is `{local.value}`; Jira {item}: {state_of(world, Tracker.JIRA, item)}",
              "good"))
    return ConflictFacts(increment=str(record["increment"]), item=item, strategy=str(record["strategy"]),
                         outcome=str(record["outcome"]), local=str(record["local"]), external=record["external"])


def _external(value: object) -> str:
    if isinstance(value, dict):
        return str(value.get("state", value))
    return re.sub(r"\s+", " ", str(value))


__all__ = ["ISSUE_PATCH", "step_conflict", "step_failures"]
