"""Set-up, step 1 (a completion flows out to three trackers) and step 2 (a person's changes flow in: asked on a
terminal, pending decisions finished by `resolve` elsewhere).

Each step is a small function: it changes something the way a person or SpecWeave would, runs weavesync's real
`reconcile` once, and emits what happened, read back from the trackers rather than assumed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from weavesync.demo.events import Emit, Heading, Line, Table
from weavesync.demo.project import CHECKOUT, INCREMENTS, WISHLIST
from weavesync.demo.summary import DecisionTaken
from weavesync.demo.world import DemoWorld
from weavesync.engine import Ask
from weavesync.engine.describe import external_text, tracker_name
from weavesync.executor import Answer, Prompter, SyncSession, WriteOutcome, drain, reconcile, resolve_decisions
from weavesync.executor.codec import ask_from_json
from weavesync.exitcodes import PENDING
from weavesync.model import Status, Tracker
from weavesync.specweave import set_status
from weavesync.store import Decision

RESOLVE_ALL = "weavesync resolve --all --accept"
"""What a person types to accept every pending decision; the demo does the same through the executor's API."""


def name(tracker: Tracker | str) -> str:
    return tracker_name(Tracker(tracker))


def state_of(world: DemoWorld, tracker: Tracker, item: str) -> str:
    return external_text(world.remote(tracker, item).state)


def writes_table(title: str, writes: Sequence[WriteOutcome]) -> Table:
    rows = [[w.increment, f"{name(w.tracker)} {w.item}", w.status, w.outcome, str(w.attempts)] for w in writes]
    return Table(title, ["Increment", "Item", "Wanted", "Outcome", "Attempts"], rows)


def set_up(world: DemoWorld, emit: Emit) -> None:
    """Alice files one item per link; weavesync links them and runs a first sync, which records the bases."""
    emit(Heading(0, "Set-up: a SpecWeave project, the sandbox trackers, and linked items (US-003 mappings)"))
    emit(Line(f"project: {world.root} (4 increments, all `active`)", "dim"))
    for tracker, url in zip(Tracker, (world.sandbox.urls[n] for n in ("github", "jira", "ado")), strict=True):
        emit(Line(f"sandbox {name(tracker)}: {url}", "dim"))
    rows: list[list[str]] = []
    with world.session() as session:
        for inc in INCREMENTS:
            for tracker in inc.trackers:
                item = world.create_item(tracker, inc.title)
                world.link(session, inc.id, tracker, item.link_item)
                rows.append([inc.id, f"{name(tracker)} {item.link_item}", external_text(item.state),
                             item.url or ""])
        report = reconcile(session, session.policy(interactive=False))
    emit(Table("Linked items (each filed by alice, in the state `active` maps to)",
               ["Increment", "Item", "State", "URL"], rows))
    agreed = sum(1 for r in report.links if r.error is None)
    emit(Line(f"first sync: {agreed} links already agree with SpecWeave; that is recorded as each link's last "
              "agreed state, nothing is written", "good"))


def step_completion(world: DemoWorld, emit: Emit) -> None:
    """AC-US4-01: 0001 goes active -> completed in SpecWeave and GitHub, Jira and ADO follow."""
    emit(Heading(1, "An increment is completed in SpecWeave; its three items follow (AC-US4-01, US-003)"))
    jira_key = world.item(CHECKOUT.id, Tracker.JIRA)
    seen = len(world.jira_history(jira_key))
    with world.session() as session:
        set_status(session.increment(CHECKOUT.id), Status.COMPLETED, now=datetime.now(UTC))
        emit(Line(f"SpecWeave: {CHECKOUT.id} active → completed (metadata.json and spec.md, as SpecWeave writes "
                  "them: active → ready_for_review → completed)"))
        report = reconcile(session, session.policy(interactive=False))
    emit(writes_table("weavesync pushed the new status", report.writes))
    for tracker in CHECKOUT.trackers:
        item = world.item(CHECKOUT.id, tracker)
        emit(Line(f"{name(tracker)} {item}: {state_of(world, tracker, item)}", "good"))
        if tracker is Tracker.JIRA:
            for hop in jira_hops(world.jira_history(jira_key)[seen:]):
                emit(Line(f"    {hop}", "dim"))


def jira_hops(histories: Sequence[dict[str, object]]) -> list[str]:
    """Each workflow transition in a Jira changelog slice, with who made it and any resolution it set."""
    hops: list[str] = []
    for history in histories:
        items = history.get("items")
        author = history.get("author")
        who = author.get("displayName") if isinstance(author, dict) else None
        if not isinstance(items, list):
            continue
        status = next((i for i in items if isinstance(i, dict) and i.get("field") == "status"), None)
        if status is None:
            continue
        hop = f"transition {status.get('fromString')} → {status.get('toString')}"
        resolution = next((i for i in items if isinstance(i, dict) and i.get("field") == "resolution"), None)
        if resolution is not None and resolution.get("toString"):
            hop += f", resolution {resolution.get('toString')}"
        hops.append(f"{hop} (by {who})" if who else hop)
    return hops


def recording(prompter: Prompter, taken: list[DecisionTaken], by: str) -> Prompter:
    def prompt(ask: Ask) -> Answer | None:
        answer = prompter(ask)
        text = "skip" if answer is None else answer.choice
        if answer is not None and answer.custom is not None:
            text += f": {answer.custom.value}"
        taken.append(DecisionTaken(ask.increment, ask.link.item, ask.question, text, by))
        return answer

    return prompt


def step_person(world: DemoWorld, emit: Emit, prompter: Prompter | None) -> list[DecisionTaken]:
    """AC-US4-02/03: alice reopens 0001's Jira issue and closes 0002's GitHub issue. With `prompter` (a person at a
    terminal) weavesync asks; without one it does what it really does off a terminal: the changes become pending
    decisions (exit 3), listed by `weavesync pending` and accepted by `weavesync resolve --all --accept`."""
    emit(Heading(2, "A person reopens and closes items: weavesync asks, never guesses (AC-US4-02/03, US-007)"))
    reopened = world.item(CHECKOUT.id, Tracker.JIRA)
    closed = world.item(WISHLIST.id, Tracker.GITHUB)
    world.alice_sets(Tracker.JIRA, reopened, Status.ACTIVE)
    emit(Line(f"alice reopens Jira {reopened} ({CHECKOUT.id}): {state_of(world, Tracker.JIRA, reopened)}", "person"))
    world.alice_sets(Tracker.GITHUB, closed, Status.COMPLETED)
    emit(Line(f"alice closes GitHub {closed} ({WISHLIST.id}): {state_of(world, Tracker.GITHUB, closed)}",
              "person"))
    taken: list[DecisionTaken] = []
    with world.session() as session:
        if prompter is not None:
            emit(Line("$ weavesync sync   (on a terminal: a person's change is never applied silently, so it asks; "
                      "the same prompt confirms a completion before it is pushed when promptUser is on, US-005)"))
            report = reconcile(session, session.policy(interactive=True),
                               prompter=recording(prompter, taken, "person"))
            writes = list(report.writes)
            for decision in report.pending:
                emit(Line(f"pending: {decision.increment} ({decision.link_key}); `weavesync resolve "
                          f"{decision.increment.split('-', 1)[0]}` finishes it later", "warn"))
        else:
            writes = _pending_then_resolved(session, emit, taken)
        for inc in (CHECKOUT, WISHLIST):
            emit(Line(f"SpecWeave: {inc.id} is now `{session.increment(inc.id).status.value}`", "good"))
        if writes:
            emit(writes_table("…and the answers flowed on to the other linked items (AC-US4-06)", writes))
    return taken


def _pending_then_resolved(session: SyncSession, emit: Emit, taken: list[DecisionTaken]) -> list[WriteOutcome]:
    """Off a terminal: `sync` stores the decisions and exits 3; `pending` lists them; `resolve --all --accept`
    answers each with its own "accept" (yes), through the same executor call the command makes."""
    emit(Line("$ weavesync sync   (no terminal here: a person's change is never applied silently and never "
              "answered for you)"))
    report = reconcile(session, session.policy(interactive=False))
    emit(Line(f"exit {PENDING}: {len(report.pending)} decisions pending, stored for a person to answer", "warn"))
    emit(Line("$ weavesync pending"))
    rows = []
    for decision in report.pending:
        ask = ask_from_json(decision.payload)
        rows.append([decision.increment, f"{name(ask.link.tracker)} {ask.link.item}", ask.question,
                     ", ".join(ask.choices)])
    emit(Table("Pending decisions", ["Increment", "Item", "Question", "Answers"], rows))
    emit(Line(f"$ {RESOLVE_ALL}"))
    by_increment: dict[str, list[tuple[Decision, Answer]]] = {}
    for decision in report.pending:
        ask = ask_from_json(decision.payload)
        answer = Answer("yes" if "yes" in ask.choices else "use-external")
        by_increment.setdefault(decision.increment, []).append((decision, answer))
        taken.append(DecisionTaken(decision.increment, ask.link.item, ask.question, answer.choice, "resolve"))
    for answered in by_increment.values():
        resolve_decisions(session, answered, trigger="cli")
    return drain(session, trigger="cli")


__all__ = ["RESOLVE_ALL", "jira_hops", "set_up", "step_completion", "step_person"]
