"""`weavesync pending` and `weavesync resolve`: the decisions that wait for a person, and answering them.

Off a terminal `sync` stores a decision instead of choosing (sync-semantics.md §4); these two commands finish it
later. `resolve` maps its flags onto the decision's own choices:

- ``--accept``: ``yes``, whatever the kind: take what the question proposes (for a conflict, the item's state).
- ``--decline``: ``no``: keep SpecWeave's status (for a conflict, SpecWeave's status is pushed to the item).
- ``--status S``: ``custom``; S must be one of the statuses SpecWeave allows next from the current one
  (US-007 AC-04).

Which decisions: those of the INCREMENTs named, or ``--all``, narrowed by ``--tracker`` and ``--link``. A flag that
does not fit one decision refuses that one (with why); the others are still answered. The answers of one
increment are applied together (`executor.resolve_decisions`): each only to the question it was given for (both
sides are read again; a decision whose link moved or settled since is refused and decided afresh), and
SpecWeave's status moves once; of answers that would set different statuses, the oldest decision's sets it and the
others are refused and asked afresh.
Afterwards the outbox is drained so the resulting pushes land now.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import click
from rich.table import Table
from rich.text import Text

from weavesync import exitcodes
from weavesync.cli import render
from weavesync.cli.complete import increment_ids
from weavesync.cli.context import AppState, common_options, current_state, json_option
from weavesync.cli.helptext import examples
from weavesync.cli.progress import progress
from weavesync.cli.prompt import TerminalPrompter, specweave_rules
from weavesync.cli.session import can_ask, open_session
from weavesync.cli.sync_cmd import pending_hint, show_writes
from weavesync.cli.sync_report import FAILED_WRITES, PendingRow, pending_row, write_origins, write_row
from weavesync.cli.targets import parse_target
from weavesync.engine import Ask, custom_choices, kept_apart
from weavesync.engine.describe import external_text
from weavesync.errors import UsageError, WeavesyncError
from weavesync.executor import Answer, SyncSession, drain, resolve_decisions
from weavesync.executor.codec import ask_from_json
from weavesync.model import Link, Status, Tracker
from weavesync.specweave.rules import RuleRefused
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
        flags = {"yes": "--accept", "no": "--decline"}
        answers = "\n".join(f"{flags[c]}: {meaning}" for c, meaning in row.meanings if c in flags)
        if row.custom_choices:
            answers += f"\n--status S: {', '.join(row.custom_choices)}"
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
        apart = kept_apart_links(session)
    if state.json:
        render.print_json({"pending": [row.to_json() for row in rows], "keptApart": apart})
        return
    for link in apart:
        render.say(state, f"{link['increment']}: kept apart on purpose: SpecWeave `{link['local']}`, "
                          f"{link['tracker']} {link['item']} {link['external']} (a person declined the change; "
                          "it is not asked again)")
    if not rows:
        render.say(state, "no pending decisions")
        return
    render.print_table(_pending_table(rows))
    render.say(state, pending_hint(rows))


def kept_apart_links(session: SyncSession) -> list[dict[str, str]]:
    """Links whose last agreement was to differ (a person's "no"), from the increments' files alone: `pending`
    reads no tracker, so this is the story as of the last sync, the same one `plan` and `status --remote` tell."""
    out: list[dict[str, str]] = []
    for inc in session.scan().increments:
        for link in inc.links:
            base = inc.bases.get(link.key)
            if base is not None and kept_apart(base, inc.status, base.external, session.mapping(link.tracker)):
                out.append({"increment": inc.id, "tracker": link.tracker.value, "item": link.item,
                            "local": inc.status.value, "external": external_text(base.external)})
    return out


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
    choice = "yes" if mode == "accept" else "no"
    if choice not in ask.choices:
        raise UsageError(f"--{mode} does not fit the decision on {ask.link.tracker.value}:{ask.link.item}; "
                         f"its answers: {', '.join(ask.choices)}")
    return Answer(choice)


@dataclass
class _Choice:
    """One selected decision, with its answer or why it got none."""

    decision: Decision
    ask: Ask
    answer: Answer | None = None
    refused: str | None = None


def _select(session: SyncSession, refs: Sequence[str], every: bool, trackers: Sequence[str],
            link_targets: Sequence[str]) -> list[Decision]:
    """The pending decisions the command line names: increments (or `--all`), narrowed by trackers and links."""
    keys = {Link(*parse_target(target)).key for target in link_targets}
    if not refs and not every and not trackers and not keys:
        raise UsageError("name the increments whose decisions to answer, or give --all",
                         hint="weavesync resolve 0042 --accept; weavesync resolve --all --decline; "
                              "weavesync resolve --tracker jira --accept")
    ids = {session.increment(ref).id for ref in refs}
    chosen = [d for d in session.store.pending_decisions()
              if (not ids or d.increment in ids) and (not keys or d.link_key in keys)
              and (not trackers or d.link_key.partition(":")[0] in trackers)]
    if not chosen:
        where = ", ".join([*sorted(ids), *trackers, *sorted(keys)]) or "this project"
        raise WeavesyncError(f"no pending decision for {where}", hint="list them with `weavesync pending`")
    return chosen


def _answers(session: SyncSession, state: AppState, decisions: list[Decision], mode: str | None,
             custom: Status | None) -> list[_Choice]:
    """Every decision with its answer. With a flag, a decision the flag does not fit is refused (with why) and the
    others still answered; without one a person is asked on a terminal (None = skipped); off a terminal a flag is
    required."""
    if mode is None and not can_ask(state, no_input=False):
        raise UsageError("give --accept, --decline or --status S (no terminal to ask on)",
                         hint="see each decision's question and answers with `weavesync pending`")
    prompter = TerminalPrompter(render.console(), rules=specweave_rules(session)) if mode is None else None
    current: dict[str, Status] = {}
    out: list[_Choice] = []
    for decision in decisions:
        choice = _Choice(decision, ask_from_json(decision.payload))
        if prompter is not None:
            choice.answer = prompter(choice.ask)
        else:
            assert mode is not None
            if decision.increment not in current:
                current[decision.increment] = session.increment(decision.increment).status
            try:
                choice.answer = answer_for(choice.ask, mode, custom, current[decision.increment])
            except UsageError as exc:
                choice.refused = str(exc)
        out.append(choice)
    return out


def _apply(session: SyncSession, choices: list[_Choice]) -> list[_Choice]:
    """Apply the answers increment by increment (`resolve_decisions`); returns the choices that were applied. A
    group whose answers disagree, or a decision whose link moved since it was asked, is refused with why."""
    applied: list[_Choice] = []
    groups: dict[str, list[_Choice]] = {}
    for choice in choices:
        if choice.answer is not None and choice.refused is None:
            groups.setdefault(choice.decision.increment, []).append(choice)
    for group in groups.values():
        by_id = {c.decision.id: c for c in group}
        try:
            done = resolve_decisions(session, [(c.decision, c.answer) for c in group if c.answer], trigger="cli")
        except (UsageError, RuleRefused) as exc:  # RuleRefused: SpecWeave's rules (WIP hard cap, the archive)
            for choice in group:
                choice.refused = str(exc)
            continue
        for warning in done.warnings:  # SpecWeave's rules on a change that was made (WIP limit passed, restored)
            click.echo(f"warning: {warning}", err=True)
        for decision, why in done.refused:
            by_id[decision.id].refused = why
        applied.extend(by_id[decision.id] for decision, _, _ in done.applied)
    return applied


@click.command("resolve", epilog=examples(
    "weavesync resolve 0042                      # asked on the terminal",
    "weavesync resolve 0042 --accept",
    "weavesync resolve --all --decline            # keep SpecWeave's status everywhere",
    "weavesync resolve --tracker jira --accept    # every Jira decision: take the issue's state",
    "weavesync resolve 0042 --status paused --link github:acme/shop#101",
))
@click.argument("increments", nargs=-1, shell_complete=increment_ids)
@click.option("--all", "every", is_flag=True, default=False, help="Answer every pending decision of the project.")
@click.option("--tracker", "trackers", multiple=True, type=click.Choice([t.value for t in Tracker]),
              help="Only decisions about items of this tracker (repeatable).")
@click.option("--link", "link_targets", multiple=True, metavar="TRACKER:ITEM",
              help="Only the decision about this item (repeatable; e.g. github:acme/shop#101).")
@click.option("--accept", is_flag=True, default=False,
              help="yes: take what each question proposes (the tracker's change; for a confirmation, the update).")
@click.option("--decline", is_flag=True, default=False,
              help="no: keep SpecWeave's status (for a conflict, SpecWeave's status is pushed to the item).")
@click.option("--status", "status_text", default=None, metavar="S",
              help="custom: set this status instead; must be allowed next from the current one.")
@common_options
@json_option
@click.pass_context
def resolve(ctx: click.Context, increments: tuple[str, ...], every: bool, trackers: tuple[str, ...],
            accept: bool, decline: bool, status_text: str | None, link_targets: tuple[str, ...]) -> None:
    """Answer pending decisions: those of INCREMENT(s), or --all, narrowed by --tracker and --link; then carry out
    the resulting pushes.

    Without a flag, each decision is asked on the terminal. A flag that does not fit a decision (--status S not
    allowed from its current status, --accept on a question that proposes nothing) refuses that one, with why, and
    the others are still answered; so is an answer to a question whose link moved since it was asked (that link
    is asked afresh). Exit codes: 0 done, 1 a push failed, 2 the flag fits none of the selected decisions, 3
    decisions are still pending.
    """
    mode = _mode(accept, decline, status_text)
    custom = _parse_status(status_text) if status_text is not None else None
    state = current_state()
    with open_session(state) as session:
        decisions = _select(session, increments, every, trackers, link_targets)
        choices = _answers(session, state, decisions, mode, custom)
        misfits = [c.refused for c in choices if c.refused is not None]
        if misfits and len(misfits) == len(choices):
            # The flag fits no selected decision: a plain usage error, nothing read or written.
            raise UsageError(misfits[0] if len(misfits) == 1 else
                             f"--{mode} fits none of the {len(misfits)} selected decisions; the first: {misfits[0]}")
        applied = _apply(session, choices)
        with progress(state, "writing to the trackers"):
            drained = drain(session, trigger="cli")
            origins = write_origins(session.store, drained)
            writes = [write_row(w, origins[w.entry_id], "carrying out the answer") for w in drained]
        touched = {c.decision.increment for c in choices}
        left = [pending_row(d, _current(session, d.increment)) for d in session.store.pending_decisions()
                if d.increment in touched]
    refused = [c for c in choices if c.refused is not None]
    # A refused answer is not a usage error: the question it answered moved, and the link is asked afresh (3).
    code = (exitcodes.ERROR if any(w.outcome in FAILED_WRITES for w in writes)
            else exitcodes.PENDING if left else exitcodes.OK)
    resolved = [{"id": c.decision.id, "increment": c.decision.increment, "tracker": c.ask.link.tracker.value,
                 "item": c.ask.link.item, "kind": c.ask.kind, "answer": c.answer.choice if c.answer else None,
                 "meaning": c.ask.meaning(c.answer.choice) if c.answer else None,
                 "status": c.answer.custom.value if c.answer and c.answer.custom else None} for c in applied]
    refusals = [{"id": c.decision.id, "increment": c.decision.increment, "link": c.decision.link_key,
                 "why": c.refused} for c in refused]
    if state.json:
        render.print_json({"increments": sorted(touched), "resolved": resolved, "refused": refusals,
                           "writes": [w.to_json() for w in writes], "pending": [row.to_json() for row in left],
                           "exitCode": code})
        ctx.exit(code)
    for entry in resolved:
        shown = f"custom ({entry['status']})" if entry["status"] else f"{entry['answer']}: {entry['meaning']}"
        render.say(state, f"{entry['increment']}: {entry['tracker']} {entry['item']}: {shown}")
    for gone in refusals:
        click.echo(f"error: {gone['why']} (decision {gone['id']}: {gone['increment']} {gone['link']})", err=True)
    if refusals:
        click.echo("hint: the other decisions were answered; see what each refused one asks with "
                   "`weavesync pending`", err=True)
    show_writes(state, "Pushes", writes)
    if left:
        render.say(state, pending_hint(left))
    ctx.exit(code)
