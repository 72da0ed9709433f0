"""`weavesync pending` and `weavesync resolve`: the decisions that wait for a person, and answering them.

Off a terminal `sync` stores a decision instead of choosing (sync-semantics.md §4); these two commands finish it
later. `resolve` maps its flags onto the decision's own choices:

- ``--accept``: ``yes`` for an inbound change or a confirmation; for a conflict, ``use-external`` (take the
  item's state, as accepting what happened on the tracker).
- ``--decline``: ``no``; for a conflict, ``use-specweave`` (keep SpecWeave's status and update the item).
- ``--status S``: ``custom``; S must be one of the statuses SpecWeave allows next from the current one
  (US-007 AC-04), otherwise a one-line usage error lists them (exit 2).

Every answer is checked before the first one is applied, so a bad flag never leaves half the decisions of an
increment answered. The answers are then applied together (`executor.resolve_decisions`): each only to the
question it was given for (both sides are read again; a decision whose link moved or settled since is refused
and decided afresh), and SpecWeave's status moves once; answers that would set different statuses are refused
as a usage error. Afterwards the outbox is drained so the resulting pushes land now.
"""

from __future__ import annotations

from collections.abc import Sequence

import click
from rich.table import Table
from rich.text import Text

from weavesync import exitcodes
from weavesync.cli import render
from weavesync.cli.complete import increment_ids
from weavesync.cli.context import AppState, common_options, current_state, json_option
from weavesync.cli.helptext import examples
from weavesync.cli.progress import progress
from weavesync.cli.prompt import TerminalPrompter
from weavesync.cli.session import can_ask, open_session
from weavesync.cli.sync_cmd import pending_hint, show_writes
from weavesync.cli.sync_report import FAILED_WRITES, PendingRow, pending_row, write_origins, write_row
from weavesync.cli.targets import parse_target
from weavesync.engine import Ask, custom_choices
from weavesync.errors import UsageError, WeavesyncError
from weavesync.executor import Answer, SyncSession, drain, resolve_decisions
from weavesync.executor.codec import ask_from_json
from weavesync.model import Link, Status
from weavesync.specweave.statuses import normalise_status
from weavesync.store import Decision


def _current(session: SyncSession, increment: str) -> Status | None:
    """The increment's status now, or None when it cannot be read (the decision still lists)."""
    try:
        return session.increment(increment).status
    except WeavesyncError:
        return None


def _pending_table(rows: Sequence[PendingRow]) -> Table:
    table = Table(title=Text("Pending decisions"), title_justify="left")
    for name in ("Increment", "Item", "Question", "Answers", "Changed"):
        table.add_column(name, overflow="fold")  # fold, never crop: the URL must stay copyable
    for row in rows:
        item = f"{row.tracker} {row.item}" + (f"\n{row.title}" if row.title else "") + (
            f"\n{row.url}" if row.url else "")
        answers = ", ".join(row.choices)
        if row.custom_choices:
            answers += f"\ncustom: {', '.join(row.custom_choices)}"
        changed = f"{row.changed_by or 'someone'}" + (f"\n{row.changed_at}" if row.changed_at else "")
        table.add_row(Text(row.increment), Text(item), Text(row.question), Text(answers), Text(changed))
    return table


@click.command("pending", epilog=examples(
    "weavesync pending",
    "weavesync pending --json | jq '.pending[] | {increment, item, question}'",
))
@common_options
@json_option
def pending() -> None:
    """List the decisions that wait for a person: the question, the answers, the item, who changed it and when.

    Exits 0 whenever the list could be shown (use `weavesync plan` as a CI gate; it exits 3 when decisions are
    pending).
    """
    state = current_state()
    with open_session(state) as session:
        rows = [pending_row(d, _current(session, d.increment)) for d in session.store.pending_decisions()]
    if state.json:
        render.print_json({"pending": [row.to_json() for row in rows]})
        return
    if not rows:
        render.say(state, "no pending decisions")
        return
    render.print_table(_pending_table(rows))
    render.say(state, pending_hint(rows))


def _mode(accept: bool, decline: bool, status_text: str | None) -> str | None:
    given = [name for name, on in (("accept", accept), ("decline", decline), ("status", status_text is not None))
             if on]
    if len(given) > 1:
        raise UsageError("give only one of --accept, --decline and --status",
                         hint="--accept takes the proposal, --decline keeps SpecWeave's status, --status S sets S")
    return given[0] if given else None


def _parse_status(text: str) -> Status:
    try:
        return normalise_status(text)
    except ValueError:
        raise UsageError(f"unknown status {text!r}; expected one of: {', '.join(s.value for s in Status)}") from None


def answer_for(ask: Ask, mode: str, custom: Status | None, current: Status) -> Answer:
    """The decision's own choice that a flag means (see the module docstring); UsageError when it has none."""
    conflict = ask.kind == "conflict"
    if mode == "status":
        assert custom is not None
        if "custom" not in ask.choices:
            raise UsageError(f"the decision on {ask.link.tracker.value}:{ask.link.item} takes no --status; "
                             f"answer with {', '.join(ask.choices)}")
        allowed = custom_choices(current)
        if custom not in allowed:
            raise UsageError(f"--status {custom.value} is not allowed from `{current.value}`; "
                             f"allowed: {', '.join(s.value for s in allowed)}")
        return Answer("custom", custom)
    choice = ("use-external" if conflict else "yes") if mode == "accept" else (
        "use-specweave" if conflict else "no")
    if choice not in ask.choices:
        raise UsageError(f"--{mode} does not fit the decision on {ask.link.tracker.value}:{ask.link.item}; "
                         f"its answers: {', '.join(ask.choices)}")
    return Answer(choice)


def _select(session: SyncSession, increment: str, link_target: str | None) -> tuple[str, list[Decision]]:
    key = None
    if link_target is not None:
        tracker, item = parse_target(link_target)
        key = Link(tracker, item).key
    inc = session.increment(increment)
    decisions = [d for d in session.store.pending_decisions(inc.id) if key is None or d.link_key == key]
    if not decisions:
        where = f" on {key}" if key else ""
        raise WeavesyncError(f"no pending decision for {inc.id}{where}", hint="list them with `weavesync pending`")
    return inc.id, decisions


def _answers(session: SyncSession, state: AppState, inc_id: str, decisions: list[Decision], mode: str | None,
             custom: Status | None) -> list[tuple[Decision, Ask, Answer | None]]:
    """Every decision with its answer, checked before any is applied. Without a flag, a person is asked on a
    terminal (``None`` = skipped); off a terminal a flag is required."""
    out: list[tuple[Decision, Ask, Answer | None]] = []
    current = session.increment(inc_id).status
    if mode is None:
        if not can_ask(state, no_input=False):
            raise UsageError("give --accept, --decline or --status S (no terminal to ask on)",
                             hint="see each decision's question and answers with `weavesync pending`")
        prompter = TerminalPrompter(render.console())
    for decision in decisions:
        ask = ask_from_json(decision.payload)
        out.append((decision, ask, prompter(ask) if mode is None else answer_for(ask, mode, custom, current)))
    return out


@click.command("resolve", epilog=examples(
    "weavesync resolve 0042                      # asked on the terminal",
    "weavesync resolve 0042 --accept",
    "weavesync resolve 0042 --status paused --link github:acme/shop#101",
))
@click.argument("increment", shell_complete=increment_ids)
@click.option("--accept", is_flag=True, default=False,
              help="Take the proposal (yes); for a conflict, take the item's state (use-external).")
@click.option("--decline", is_flag=True, default=False,
              help="Keep SpecWeave's status (no); for a conflict, keep SpecWeave's and update the item.")
@click.option("--status", "status_text", default=None, metavar="S",
              help="Set this status instead (custom); must be allowed next from the current status.")
@click.option("--link", "link_target", default=None, metavar="TRACKER:ITEM",
              help="Answer only the decision about this item (e.g. github:acme/shop#101).")
@common_options
@json_option
@click.pass_context
def resolve(ctx: click.Context, increment: str, accept: bool, decline: bool, status_text: str | None,
            link_target: str | None) -> None:
    """Answer the pending decision(s) of INCREMENT, then carry out the resulting pushes.

    Without a flag, each decision is asked on the terminal. Exit codes: 0 done, 1 a push failed, 2 a flag does
    not fit (nothing is applied), 3 decisions are still pending.
    """
    mode = _mode(accept, decline, status_text)
    custom = _parse_status(status_text) if status_text is not None else None
    state = current_state()
    with open_session(state) as session:
        inc_id, decisions = _select(session, increment, link_target)
        answered = _answers(session, state, inc_id, decisions, mode, custom)
        done = resolve_decisions(session, [(d, a) for d, _, a in answered if a is not None], trigger="cli")
        resolved: list[dict[str, object]] = [
            {"id": decision.id, "tracker": ask.link.tracker.value, "item": ask.link.item, "kind": ask.kind,
             "answer": answer.choice, "status": answer.custom.value if answer.custom else None}
            for decision, ask, answer in done.applied]
        refused = [{"id": decision.id, "link": decision.link_key, "why": why} for decision, why in done.refused]
        with progress(state, "writing to the trackers"):
            drained = drain(session, trigger="cli")
            origins = write_origins(session.store, drained)
            writes = [write_row(w, origins[w.entry_id], "carrying out the answer") for w in drained]
        left = [pending_row(d, _current(session, d.increment)) for d in session.store.pending_decisions(inc_id)]
    code = exitcodes.ERROR if any(w.outcome in FAILED_WRITES for w in writes) else (
        exitcodes.PENDING if left else exitcodes.OK)
    if state.json:
        render.print_json({"increment": inc_id, "resolved": resolved, "refused": refused,
                           "writes": [w.to_json() for w in writes], "pending": [row.to_json() for row in left],
                           "exitCode": code})
        ctx.exit(code)
    for entry in resolved:
        shown = f"{entry['answer']} ({entry['status']})" if entry["status"] else str(entry["answer"])
        render.say(state, f"resolved {entry['kind']} decision on {entry['tracker']} {entry['item']}: {shown}")
    for gone in refused:
        render.say(state, f"answer to decision {gone['id']} on {gone['link']} refused: {gone['why']}")
    show_writes(state, "Pushes", writes)
    if left:
        render.say(state, pending_hint(left))
    ctx.exit(code)
