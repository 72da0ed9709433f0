"""`weavesync log`: the sync log (AC-US4-04) or, with ``--conflicts``, the conflict history (US-006 AC-07).

Reads the JSON Lines files under ``.specweave/logs/`` through `weavesync.synclog.SyncLog`; it needs neither the
config nor the state store, so the log stays readable when those are broken (which is when people read it).
``--json`` prints one document (``{"records": [...], "skipped": N}``) like every other command; ``--jsonl`` prints
JSON Lines, one record per line exactly as stored, so ``weavesync log --jsonl | jq -c`` streams.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import click
from rich.table import Table
from rich.text import Text

from weavesync.cli import render
from weavesync.cli.context import common_options, current_state, json_option, jsonl_option
from weavesync.cli.helptext import examples
from weavesync.errors import UsageError
from weavesync.model import Tracker, parse_utc
from weavesync.specweave import find_project
from weavesync.synclog import SyncLog

_RELATIVE = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$", re.IGNORECASE)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str, now: datetime) -> datetime:
    """``2h``, ``30m``, ``1d``, ``45s``, ``1w`` before `now`, or an ISO 8601 time (UTC unless it has an
    offset). ValueError otherwise."""
    match = _RELATIVE.match(text)
    if match is not None:
        amount, unit = int(match.group(1)), match.group(2).lower()
        return now - timedelta(**{_UNITS[unit]: amount})
    try:
        return parse_utc(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is neither a relative time (30m, 2h, 1d, 1w) nor ISO 8601 "
                         "(2026-11-24T10:00:00Z)") from None


class SinceType(click.ParamType[datetime, object]):
    """`--since` as an aware UTC datetime; a bad value is a usage error (exit 2)."""

    name = "TIME"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            return parse_since(str(value), datetime.now(UTC))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


def matches_increment(record: dict[str, object], wanted: str | None) -> bool:
    """`wanted` is a full id (``0042-checkout``) or just its number (``0042``)."""
    if wanted is None:
        return True
    found = str(record.get("increment") or "")
    return found == wanted or found.startswith(f"{wanted}-")


def _cell(value: object) -> str:
    return "" if value is None else str(value)


_WHOLE = frozenset({"Time", "Increment"})
"""Columns people copy from (into `--since`, `resolve`): never cut with an ellipsis; the others fold."""


def _column(table: Table, name: str) -> None:
    if name in _WHOLE:
        table.add_column(name, no_wrap=True)
    else:
        table.add_column(name, overflow="fold")


def _sync_table(records: list[dict[str, object]]) -> Table:
    table = Table(title=Text("Sync log"), title_justify="left")
    for name in ("Time", "Increment", "Item", "Dir", "Change", "Outcome", "Trigger", "Reason"):
        _column(table, name)
    for r in records:
        change = f"{_cell(r.get('from')) or '-'} → {_cell(r.get('to')) or '-'}"
        outcome = _cell(r.get("outcome")) + (f" (attempt {r['attempt']})" if r.get("attempt") else "")
        reason = _cell(r.get("reason")) + (f"\nerror: {r['error']}" if r.get("error") else "")
        table.add_row(Text(_cell(r.get("ts"))), Text(_cell(r.get("increment"))),
                      Text(f"{_cell(r.get('tracker'))} {_cell(r.get('item'))}"), Text(_cell(r.get("direction"))),
                      Text(change), Text(outcome), Text(_cell(r.get("trigger"))), Text(reason))
    return table


def _external(value: object) -> str:
    if isinstance(value, dict):
        text = str(value.get("state", ""))
        if value.get("reason"):
            text += f" ({value['reason']})"
        return text
    return _cell(value)


def _conflict_table(records: list[dict[str, object]]) -> Table:
    table = Table(title=Text("Conflict history"), title_justify="left")
    for name in ("Time", "Increment", "Item", "SpecWeave", "Item state", "Strategy", "Winner", "Reason"):
        _column(table, name)
    for r in records:
        table.add_row(Text(_cell(r.get("ts"))), Text(_cell(r.get("increment"))),
                      Text(f"{_cell(r.get('tracker'))} {_cell(r.get('item'))}"), Text(_cell(r.get("local"))),
                      Text(_external(r.get("external"))), Text(_cell(r.get("strategy"))),
                      Text(_cell(r.get("outcome"))), Text(_cell(r.get("reason"))))
    return table


@click.command("log", epilog=examples(
    "weavesync log --since 2h",
    "weavesync log --increment 0042 --tracker jira",
    "weavesync log --conflicts",
    "weavesync log --jsonl | jq -c 'select(.outcome == \"dead\")'",
    "weavesync log --json | jq '.records | length'",
))
@click.option("--increment", "increment", default=None, metavar="ID", help="Only this increment (id or number).")
@click.option("--tracker", type=click.Choice([t.value for t in Tracker]), default=None, help="Only this tracker.")
@click.option("--since", type=SinceType(), default=None,
              help="Only records from this time on: ISO 8601, or relative such as 30m, 2h, 1d.")
@click.option("--conflicts", is_flag=True, default=False, help="Show the conflict history instead.")
@common_options
@json_option
@jsonl_option
def log(increment: str | None, tracker: str | None, since: datetime | None, conflicts: bool) -> None:
    """Show the sync log: every attempt and outcome, oldest first (one document with --json, lines with --jsonl)."""
    state = current_state()
    if state.json and state.jsonl:
        raise UsageError("give --json (one document) or --jsonl (one record per line), not both")
    project = find_project(state.project)
    synclog = SyncLog(project.logs_dir)
    records = [r for r in synclog.records(tracker=tracker, since=since, conflicts=conflicts)
               if matches_increment(r, increment)]
    if synclog.skipped:
        render.warn(state, f"{render.count(synclog.skipped, 'unreadable line')} skipped")
    if state.json:
        render.print_json({"records": records, "skipped": synclog.skipped})
        return
    if state.jsonl:
        for record in records:
            click.echo(json.dumps(record, ensure_ascii=False))
        return
    if not records:
        render.say(state, "no conflicts recorded" if conflicts else "no sync log records")
        return
    render.print_table(_conflict_table(records) if conflicts else _sync_table(records))
