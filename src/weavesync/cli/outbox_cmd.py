"""`weavesync outbox` and `weavesync retry`: the writes that have not landed yet, and carrying them out now.

Nothing is silently dropped (sync-semantics.md §6): an entry the worker could not finish is ``retrying`` (due
again at its next attempt) or ``dead`` (needs a person: bad credentials, a refused transition). `outbox` lists
them with their last error; `retry` drains every due entry now, and ``retry --dead`` first puts dead entries back
in line, for after the cause was fixed. Both log with trigger ``retry``.

`outbox` also lists the webhook deliveries `serve` set aside because they could not be processed (sync-semantics.md
§8), with their error: they are not retried (polling reads what they announced), but they are not hidden either.
"""

from __future__ import annotations

from collections.abc import Sequence

import click
from rich.table import Table
from rich.text import Text

from weavesync import exitcodes
from weavesync.cli import render
from weavesync.cli.context import common_options, current_state, json_option
from weavesync.cli.helptext import examples
from weavesync.cli.progress import progress
from weavesync.cli.session import open_session
from weavesync.cli.sync_cmd import show_writes
from weavesync.cli.sync_report import FAILED_WRITES, write_origins, write_row
from weavesync.executor import drain
from weavesync.model import format_utc
from weavesync.store import DeliveryRecord, OutboxEntry
from weavesync.store.outbox import OPEN_STATES


def _entries(count: int, kind: str = "") -> str:
    """``1 entry``, ``3 dead entries``."""
    return f"{count} {kind}entr{'y' if count == 1 else 'ies'}"


def entry_json(entry: OutboxEntry) -> dict[str, object]:
    return {"id": entry.id, "op": entry.op_id, "increment": entry.increment, "tracker": entry.tracker,
            "item": entry.item, "status": entry.desired.get("status"), "state": entry.state,
            "attempts": entry.attempts, "nextAttemptAt": format_utc(entry.next_attempt_at),
            "lastError": entry.last_error, "reason": entry.reason, "trigger": entry.trigger,
            "createdAt": format_utc(entry.created_at), "updatedAt": format_utc(entry.updated_at)}


def delivery_json(delivery: DeliveryRecord) -> dict[str, object]:
    return {"tracker": delivery.tracker, "delivery": delivery.delivery_id, "state": delivery.state,
            "attempts": delivery.attempts, "error": delivery.error,
            "receivedAt": format_utc(delivery.received_at),
            "setAsideAt": format_utc(delivery.processed_at) if delivery.processed_at else None}


def _deliveries_table(deliveries: Sequence[DeliveryRecord]) -> Table:
    table = Table(title=Text("Webhook deliveries set aside"), title_justify="left")
    for name in ("Tracker", "Delivery", "Received", "Error"):
        table.add_column(name)
    for d in deliveries:
        table.add_row(Text(d.tracker), Text(d.delivery_id), Text(format_utc(d.received_at)),
                      Text(d.error or "", style="red"))
    return table


def _table(entries: Sequence[OutboxEntry]) -> Table:
    table = Table(title=Text("Outbox"), title_justify="left")
    for name in ("Id", "Increment", "Item", "Desired", "State", "Attempts", "Next attempt", "Last error"):
        table.add_column(name)
    for e in entries:
        next_at = "" if e.state == "dead" else format_utc(e.next_attempt_at)
        table.add_row(Text(str(e.id)), Text(e.increment), Text(f"{e.tracker} {e.item}"),
                      Text(str(e.desired.get("status", ""))), Text(e.state, style="red" if e.state == "dead" else ""),
                      Text(str(e.attempts)), Text(next_at), Text(e.last_error or ""))
    return table


@click.command("outbox", epilog=examples(
    "weavesync outbox",
    "weavesync outbox --json | jq '.entries[] | select(.state == \"dead\")'",
))
@common_options
@json_option
def outbox() -> None:
    """List the writes not carried out yet: pending, in flight, retrying and dead, with their last error; and the
    webhook deliveries set aside because they could not be processed."""
    state = current_state()
    with open_session(state) as session:
        entries = session.store.outbox(OPEN_STATES)
        aside = session.store.set_aside_deliveries()
    if state.json:
        render.print_json({"entries": [entry_json(e) for e in entries],
                           "deliveries": [delivery_json(d) for d in aside]})
        return
    if aside:
        render.print_table(_deliveries_table(aside))
    if not entries:
        render.say(state, "the outbox is empty: every write has landed")
        return
    render.print_table(_table(entries))
    dead = sum(1 for e in entries if e.state == "dead")
    if dead:
        render.say(state, f"{_entries(dead, 'dead ')}: fix the cause, then `weavesync retry --dead`")


@click.command("retry", epilog=examples(
    "weavesync retry                # carry out what is due now",
    "weavesync retry --dead         # after fixing the cause (a token, a workflow)",
))
@click.option("--dead", "revive", is_flag=True, default=False,
              help="Put dead entries back in line first (after fixing what killed them).")
@common_options
@json_option
@click.pass_context
def retry(ctx: click.Context, revive: bool) -> None:
    """Carry out every due outbox entry now. Exit 1 when a write died again."""
    state = current_state()
    with open_session(state) as session:
        revived = session.store.revive_dead(now=session.now()) if revive else 0
        with progress(state, "writing to the trackers"):
            drained = drain(session, trigger="retry")
            origins = write_origins(session.store, drained)
            writes = [write_row(w, origins[w.entry_id], "retried") for w in drained]
        left = session.store.outbox(OPEN_STATES)
    code = exitcodes.ERROR if any(w.outcome in FAILED_WRITES for w in writes) else exitcodes.OK
    if state.json:
        render.print_json({"revived": revived, "writes": [w.to_json() for w in writes],
                           "left": [entry_json(e) for e in left], "exitCode": code})
        ctx.exit(code)
    if revive:
        render.say(state, f"{_entries(revived, 'dead ')} put back in line")
    if not writes:
        render.say(state, "nothing was due")
    show_writes(state, "Retried writes", writes)
    if left:
        render.say(state, f"{_entries(len(left))} left in the outbox (see `weavesync outbox`)")
    ctx.exit(code)
