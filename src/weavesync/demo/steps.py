"""Set-up, step 1 (a completion flows out to three trackers) and step 2 (a person's changes flow in, with prompts).

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
from weavesync.executor import Answer, Prompter, WriteOutcome, reconcile
from weavesync.model import Status, Tracker
from weavesync.specweave import set_status

NO_TERMINAL = "no terminal: answering yes for you"


def name(tracker: Tracker | str) -> str:
    return tracker_name(Tracker(tracker))


def state_of(world: DemoWorld, tracker: Tracker, item: str) -> str:
    return external_text(world.remote(tracker, item).state)


def writes_table(title: str, writes: Sequence[WriteOutcome]) -> Table:
    rows = [[w.increment, f"{name(w.tracker)} {w.item}", w.status, w.outcome, str(w.attempts)] for w in writes]
    return Table(title, ["Increment", "Item", "Wanted", "Outcome", "Attempts"], rows)


def set_up(world: DemoWorld, emit: Emit) -> None:
    """Alice files one item per link; weavesync links them and runs a first sync, which records the bases."""
    emit(Heading(0, "Set-up: a SpecWeave project, the sandbox trackers, and linked items"))
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
    emit(Line(f"first sync: {agreed} links already agree with SpecWeave; their bases are recorded, "
              "nothing is written", "good"))


def step_completion(world: DemoWorld, emit: Emit) -> None:
    """AC-US4-01: 0001 goes active -> completed in SpecWeave and GitHub, Jira and ADO follow."""
    emit(Heading(1, "An increment is completed in SpecWeave; its three items follow"))
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


def answer_yes(emit: Emit) -> Prompter:
    """The demo's own answers when nobody is at a terminal: it says so, then accepts the proposal."""

    def prompt(ask: Ask) -> Answer | None:
        emit(Line(ask.question, "ask"))
        if "yes" not in ask.choices:
            emit(Line("no terminal: leaving this decision pending", "warn"))
            return None
        emit(Line(NO_TERMINAL, "warn"))
        return Answer("yes")

    return prompt


def recording(prompter: Prompter, taken: list[DecisionTaken], by: str) -> Prompter:
    def prompt(ask: Ask) -> Answer | None:
        answer = prompter(ask)
        text = "skip" if answer is None else answer.choice
        if answer is not None and answer.custom is not None:
            text += f": {answer.custom.value}"
        taken.append(DecisionTaken(ask.increment, ask.link.item, ask.question, text, by))
        return answer

    return prompt


def step_person(world: DemoWorld, emit: Emit, prompter: Prompter, *, interactive: bool) -> list[DecisionTaken]:
    """AC-US4-02/03: alice reopens 0001's Jira issue and closes 0002's GitHub issue; weavesync asks about both."""
    emit(Heading(2, "A person reopens and closes items in the trackers: weavesync asks (AC-US4-02/03)"))
    reopened = world.item(CHECKOUT.id, Tracker.JIRA)
    closed = world.item(WISHLIST.id, Tracker.GITHUB)
    world.alice_sets(Tracker.JIRA, reopened, Status.ACTIVE)
    emit(Line(f"alice reopens Jira {reopened} ({CHECKOUT.id}): {state_of(world, Tracker.JIRA, reopened)}", "person"))
    world.alice_sets(Tracker.GITHUB, closed, Status.COMPLETED)
    emit(Line(f"alice closes GitHub {closed} ({WISHLIST.id}): {state_of(world, Tracker.GITHUB, closed)}",
              "person"))
    emit(Line("weavesync syncs; a person's change is never applied silently, so it asks:"))
    taken: list[DecisionTaken] = []
    ask = recording(prompter, taken, "person" if interactive else "demo")
    with world.session() as session:
        report = reconcile(session, session.policy(interactive=interactive), prompter=ask)
        for inc in (CHECKOUT, WISHLIST):
            emit(Line(f"SpecWeave: {inc.id} is now `{session.increment(inc.id).status.value}`", "good"))
        if report.writes:
            emit(writes_table("…and the answers flowed on to the other linked items (AC-US4-06)", report.writes))
        for decision in report.pending:
            emit(Line(f"pending: {decision.increment} ({decision.link_key}); `weavesync resolve "
                      f"{decision.increment.split('-', 1)[0]}` finishes it later", "warn"))
    return taken


__all__ = ["NO_TERMINAL", "answer_yes", "jira_hops", "set_up", "step_completion", "step_person"]
