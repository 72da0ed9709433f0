"""`weavesync sync`, `push`, `pull` and `plan`: reconcile increments with their linked items, or preview it.

All four run `weavesync.executor` (read both sides, decide per link, record, then write through the outbox);
`plan` runs the same decisions without recording or writing anything. What each row and exit code means is
documented in `cli.sync_report`. A person is asked only on a terminal (`cli.session.can_ask`); otherwise a
decision is stored as pending and the command exits 3, never picking an answer on anyone's behalf.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import click
from rich.table import Table
from rich.text import Text

from weavesync.cli import render
from weavesync.cli.complete import increment_ids
from weavesync.cli.context import AppState, common_options, current_state, json_option
from weavesync.cli.failures import report_problem
from weavesync.cli.helptext import examples
from weavesync.cli.progress import progress
from weavesync.cli.prompt import TerminalPrompter, specweave_rules
from weavesync.cli.session import can_ask, open_session
from weavesync.cli.sync_report import (
    FAILED_WRITES,
    ChangeRow,
    PendingRow,
    RunReport,
    build_report,
    write_origins,
)
from weavesync.engine.view import CONFLICT_STRATEGIES
from weavesync.executor import Answer, SyncSession, plan, reconcile
from weavesync.executor.reconcile import select
from weavesync.model import Status

_OUTCOME_STYLE = {"ok": "green", "applied": "green", "recorded": "green", "yes": "green", "noop": "",
                  "pending": "yellow", "ask": "yellow", "retrying": "yellow", "queued": "yellow",
                  "dead": "red", "failed": "red"}


def statuses(session: SyncSession, refs: Sequence[str]) -> dict[str, Status]:
    """Each selected increment's status now (unknown refs raise the usual usage error, exit 2)."""
    increments, _problems = select(session, list(refs) or None)
    return {inc.id: inc.status for inc in increments}


_FIELD_WORDS = {"base": "last agreed state"}
"""`ChangeRow.field` values (stable in JSON) that need plainer words on screen."""


def change_text(row: ChangeRow) -> str:
    """``state: open → Closed (`completed`)``; ``last agreed state: now ...`` when there was nothing before."""
    if row.before is None and row.after is None:
        return ""
    field = _FIELD_WORDS.get(row.field or "", row.field)
    if row.before is None:
        return f"{field}: now {row.after}"
    if row.after is None:
        return f"{field}: {row.before}"
    return f"{field}: {row.before} → {row.after}"


def _outcome_text(row: ChangeRow) -> str:
    text = row.outcome
    if row.strategy:
        text += f" ({row.strategy})"
    if row.error:
        text += f": {row.error}"
    return text


def changes_table(title: str, rows: Sequence[ChangeRow]) -> Table:
    """The rows that did (or would do) something, one per line; `none` rows are left out."""
    table = Table(title=Text(title), title_justify="left")
    for name in ("Increment", "Item"):
        table.add_column(name, no_wrap=True)  # ids are what people copy into `resolve`: never cut them
    for name in ("Action", "Change", "Outcome", "Why"):
        table.add_column(name, overflow="fold")
    for row in rows:
        if row.action == "none":
            continue
        table.add_row(Text(row.increment), Text(f"{row.tracker} {row.item}"), Text(row.action),
                      Text(change_text(row)), Text(_outcome_text(row), style=_OUTCOME_STYLE.get(row.outcome, "")),
                      Text(row.reason))
    return table


def show_writes(state: AppState, title: str, writes: Sequence[ChangeRow]) -> None:
    """The outbox writes a command carried out (`resolve`, `retry`): their table unless ``--quiet``, and one
    ``error:`` line on stderr per write that died or failed."""
    if writes and not state.quiet:
        render.print_table(changes_table(title, writes))
    for write in writes:
        if write.outcome in FAILED_WRITES:
            click.echo(f"error: push to {write.tracker} {write.item} {write.outcome}: {write.error}", err=True)


def pending_hint(rows: Sequence[PendingRow]) -> str:
    """How to finish pending decisions: the same words `pending` and `resolve` use."""
    increments = sorted({row.increment for row in rows})
    which = "--all" if len(increments) > 1 else increments[0]
    return (f"{render.count(len(rows), 'decision')} pending; see `weavesync pending`, then `weavesync resolve "
            f"{which} --accept` (take what each proposes), `--decline` (keep SpecWeave's status) or `--status S`")


_DONE = "done"
_SUMMARY: tuple[tuple[str, frozenset[str], str, str | None, str], ...] = (
    # (action, outcomes, noun, plural, what happened) in the order the summary names them
    ("push", frozenset({"ok", "noop"}), "item", None, "updated"),
    ("push", frozenset({"planned"}), "item", None, "to update"),
    ("push", frozenset({"queued"}), "write", None, "queued behind an earlier one"),
    ("push", frozenset({"retrying"}), "write", None, "to retry later"),
    ("push", FAILED_WRITES, "write", None, "failed"),
    ("accept", frozenset({"applied"}), "SpecWeave status", "SpecWeave statuses", "taken from a tracker"),
    ("accept", frozenset({"planned"}), "SpecWeave status", "SpecWeave statuses", "to take from a tracker"),
    ("decision", frozenset({"pending", "ask"}), "decision", None, "for a person"),
    ("decision", frozenset({_DONE}), "decision", None, "answered"),
    ("conflict", frozenset({_DONE}), "conflict", None, "settled"),
    ("agree", frozenset({"recorded"}), "link", None, "found in agreement (recorded)"),
    ("agree", frozenset({"planned"}), "link", None, "in agreement, to record"),
    ("gone", frozenset({_DONE}), "item", None, "gone"),
    ("error", frozenset({_DONE}), "item", None, "not read"),
)
"""How `summary` words each kind of row; `_DONE` stands for any outcome not listed for the action."""


def summary(report: RunReport) -> str:
    """What the run did, counted in words: ``1 item updated, 3 in sync``."""
    counts = [0] * len(_SUMMARY)
    for row in report.changes:
        if row.action == "none":
            continue
        kinds = [i for i, (action, outcomes, *_rest) in enumerate(_SUMMARY) if action == row.action]
        exact = [i for i in kinds if row.outcome in _SUMMARY[i][1]]
        fallback = [i for i in kinds if _DONE in _SUMMARY[i][1]]
        for i in (exact or fallback)[:1]:
            counts[i] += 1
    parts = [f"{render.count(n, noun, plural)} {what}" for n, (_a, _o, noun, plural, what) in zip(
        counts, _SUMMARY, strict=True) if n]
    if report.kept_apart:
        parts.append(f"{render.count(len(report.kept_apart), 'link')} kept apart on purpose")
    if report.answered:
        parts.append(f"{render.count(len(report.answered), 'link')} answered in another clone")
    return ", ".join([*parts, f"{report.in_sync} in sync"])


def render_run(state: AppState, report: RunReport) -> None:
    if state.json:
        render.print_json(report.to_json())
        return
    if any(row.action != "none" for row in report.changes) and not state.quiet:
        render.print_table(changes_table("Planned changes" if report.command == "plan" else "Sync", report.changes))
    for number, increment, key, why in report.withdrawn:
        render.say(state, f"{increment}: decision {number} on {key} withdrawn: {why}")
    for increment, _key, why in (*report.kept_apart, *report.answered):
        render.say(state, f"{increment}: {why}")
    render.say(state, summary(report))
    if report.pending:
        render.say(state, pending_hint(report.pending))
    for problem in report.problems:
        report_problem(problem)


def run(command: str, direction: str, refs: Sequence[str], *, yes: bool, no_input: bool,
        strategy: str | None) -> int:
    """One sync run; returns the documented exit code."""
    state = current_state()
    with open_session(state) as session:
        if not session.config.enabled:
            # The team switched status sync off in config.json: say so rather than silently doing nothing.
            if state.json:
                render.print_json({"command": command, "direction": direction, "changes": [], "pending": [],
                                   "problems": [], "inSync": True, "exitCode": 0, "disabled": True})
            else:
                render.say(state, "status sync is switched off (sync.statusSync.enabled is false): nothing done")
            return 0
        before = statuses(session, refs)
        interactive = can_ask(state, no_input=no_input)
        prompter = TerminalPrompter(render.console(), rules=specweave_rules(session)) if interactive else None
        policy = session.policy(assume_yes=yes, interactive=interactive, strategy=strategy, direction=direction)
        with progress(state, "reading the increments") as tell:
            if command == "plan":
                result = plan(session, policy, list(refs) or None, progress=tell)
            else:
                result = reconcile(session, policy, list(refs) or None, trigger="cli",
                                   prompter=tell.around(prompter) if prompter else None, progress=tell)
        answers: dict[str, Answer | None] = {}
        for ask, answer in prompter.answered if prompter else []:
            answers[ask.link.key] = answer
        after = statuses(session, refs) if command != "plan" else before
        report = build_report(command, direction, result, planned=command == "plan", local=before,
                              current=after, answers=answers, origins=write_origins(session.store, result.writes))
    render_run(state, report)
    for warning in result.warnings:  # SpecWeave's rules on a status change that was made
        click.echo(f"warning: {warning}", err=True)
    return report.exit_code


def _sync_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option("--strategy", type=click.Choice(CONFLICT_STRATEGIES), default=None,
                        help="How to settle conflicts this time (default: statusSync.conflictResolution).")(func)
    func = click.option("--no-input", is_flag=True, default=False,
                        help="Never prompt, even on a terminal: store decisions as pending (exit 3).")(func)
    func = click.option("--yes", "-y", is_flag=True, default=False,
                        help="Apply proposals and confirmations without asking.")(func)
    return click.argument("increments", nargs=-1, metavar="[INCREMENT]...", shell_complete=increment_ids)(func)


_EXIT_NOTE = ("Exit codes: 0 done, 1 a write died or something could not be read (wins over 3), 3 decisions are "
              "pending (finish them with `weavesync resolve`).")


def _make(name: str, direction: str, summary: str, epilog: str) -> click.Command:
    @click.command(name, help=f"{summary}\n\n{_EXIT_NOTE}", epilog=epilog)
    @_sync_options
    @common_options
    @json_option
    @click.pass_context
    def command(ctx: click.Context, increments: tuple[str, ...], yes: bool, no_input: bool,
                strategy: str | None) -> None:
        ctx.exit(run(name, direction, increments, yes=yes, no_input=no_input, strategy=strategy))

    return command


sync = _make("sync", "both", "Sync INCREMENTs (default: all) with their linked items, both ways. On a terminal, "
             "inbound closes/reopens and conflicts are asked about; elsewhere they are stored as pending.",
             examples("weavesync sync",
                      "weavesync sync 0042 --strategy specweave-wins",
                      "weavesync sync --no-input --json > sync.json   # in CI: decisions become pending (exit 3)"))
push = _make("push", "push", "Push SpecWeave status changes of INCREMENTs (default: all) to their linked items "
             "only; inbound changes are left for a later pull or sync.",
             examples("weavesync push 0042", "weavesync push --yes          # completions pushed without asking"))
pull = _make("pull", "pull", "Pull changes of the linked items into INCREMENTs (default: all) only; local "
             "changes are left for a later push or sync.",
             examples("weavesync pull", "weavesync pull 0042 --no-input   # store what needs a person as pending"))


@click.command("plan", epilog=examples(
    "weavesync plan",
    "weavesync plan 0042 --strategy external-wins",
    "weavesync plan --json | jq '.changes[] | select(.action != \"none\")'",
))
@click.argument("increments", nargs=-1, metavar="[INCREMENT]...", shell_complete=increment_ids)
@click.option("--yes", "-y", is_flag=True, default=False, help="Preview `sync --yes` (proposals applied).")
@click.option("--strategy", type=click.Choice(CONFLICT_STRATEGIES), default=None,
              help="Preview conflicts settled by this strategy.")
@common_options
@json_option
@click.pass_context
def plan_cmd(ctx: click.Context, increments: tuple[str, ...], yes: bool, strategy: str | None) -> None:
    """Show what `sync` would do, per increment, tracker and field, without writing anything.

    Meant for CI. Exit codes: 0 in sync, 4 sync would change something, 3 decisions are pending or sync would
    have to ask (pending wins over drift), 1 something could not be read (wins over both).
    """
    ctx.exit(run("plan", "both", increments, yes=yes, no_input=True, strategy=strategy))
