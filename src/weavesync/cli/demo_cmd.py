"""`weavesync demo`: the whole mission in under a minute, against the built-in sandbox, with nothing to set up.

The story itself lives in `weavesync.demo` (it emits plain events and returns a summary); this module only
decides who answers the prompts and renders the events with rich. On a terminal (stdin and stdout both TTYs) the
person at it answers step 2's questions through the same `TerminalPrompter` that `weavesync sync` uses; without
one the demo shows what weavesync really does off a terminal: the questions become pending decisions (exit 3),
`weavesync pending` lists them and `weavesync resolve --all --accept` finishes them. ``--json`` prints every
event and the summary as one JSON document and never asks. The demo is a story told to a person, so its tables
stay drawn as tables off a terminal too (the data commands print tab-separated rows there).

`weavesync.demo` (and with it the sandbox and uvicorn) is imported only when the command runs, as the `sandbox`
command does: other commands never pay for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.rule import Rule
from rich.table import Table as RichTable
from rich.text import Text

from weavesync.cli import render
from weavesync.cli.context import common_options, current_state, json_option
from weavesync.cli.prompt import TerminalPrompter
from weavesync.cli.session import can_ask

if TYPE_CHECKING:
    from weavesync.demo import Event

TONES = {"plain": "", "info": "cyan", "good": "green", "warn": "yellow", "bad": "bold red", "dim": "dim",
         "person": "magenta", "ask": "bold"}
NO_WRAP = frozenset({"Increment", "Item", "Time", "Attempt", "Count", "Try", "Dir"})
"""Columns holding ids and short values: never folded, so they can be copied as they are."""


def draw(console: Console, event: Event) -> None:
    """One demo event on a rich console, as it arrives."""
    from weavesync.demo import Heading, Line

    if isinstance(event, Heading):
        title = f"Step {event.number}: {event.title}" if event.number else event.title
        console.print()
        console.print(Rule(Text(title, style="bold"), align="left"))
    elif isinstance(event, Line):
        console.print(Text(event.text, style=TONES.get(event.tone, "")))
    else:
        table = RichTable(title=Text(event.title), title_justify="left")
        for column in event.columns:
            if column in NO_WRAP:
                table.add_column(column, no_wrap=True)
            else:
                table.add_column(column, overflow="fold")
        for row in event.rows:
            table.add_row(*(Text(cell) for cell in row))
        console.print(table)


def closing_line(elapsed: float, root: Path, kept: bool) -> str:
    where = (f"the project is kept in {root} (try: weavesync status --project {root})" if kept
             else "the temporary project is removed")
    return f"Demo finished in {elapsed:.1f} s. The sandbox is stopped and {where}."


@click.command("demo")
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Build the demo project in DIR (new or empty) and keep it. Default: a temporary folder.")
@click.option("--interactive/--no-interactive", default=None,
              help="Ask you step 2's questions. Default: ask when stdin and stdout are a terminal.")
@common_options
@json_option
def demo(directory: Path | None, interactive: bool | None) -> None:
    """Walk through weavesync against a local sandbox of GitHub, Jira and Azure DevOps.

    It makes a throwaway SpecWeave project, starts the sandbox on 127.0.0.1, links increments to items on all
    three trackers and shows: a completion pushed out, a person's close and reopen (you are asked), a failing
    tracker retried, a conflict resolved by the configured strategy, and the sync log. Nothing keeps running.

    \b
    Examples:
      weavesync demo
      weavesync demo --dir /tmp/shop --no-interactive
    """
    from weavesync.demo import run_demo, to_json

    state = current_state()
    asking = can_ask(state, no_input=False) if interactive is None else (interactive and not state.json)
    console = render.story_console()
    events: list[Event] = []

    def emit(event: Event) -> None:
        if state.json:
            events.append(event)
        elif not state.quiet:
            draw(console, event)

    summary = run_demo(emit, prompter=TerminalPrompter(console) if asking else None, directory=directory)
    if state.json:
        render.print_json({"events": [to_json(e) for e in events], "summary": summary.to_json()})
        return
    render.say(state, "")
    render.say(state, closing_line(summary.elapsed, summary.root, summary.kept))
