"""Output helpers shared by the commands: rich consoles, tables, JSON, plain messages.

The rules (docs/cli.md, "Output"):

- On a terminal, tables are rich tables (colour honours ``NO_COLOR``). When stdout is not a terminal (a pipe, a
  file, CI), a table is plain tab-separated rows under a tab-separated header: no box drawing, no title, no
  wrapping, one record per line, so ``weavesync log | grep`` and ``cut -f`` work (as ``gh`` does).
- JSON and one-line messages go through `click.echo`, never rich, so a long line is never re-wrapped or marked
  up: scripts read exactly what was computed. With ``--json`` stdout holds exactly one JSON document.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import click
from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

from weavesync.cli.context import AppState


def console() -> Console:
    """A console on the current stdout (created per call, so test runners that swap stdout are honoured)."""
    return Console(highlight=False)


_STORY_WIDTH = 160
"""Width of a story (the demo) written to a pipe or file; rich would otherwise assume 80 columns and fold."""


def story_console() -> Console:
    """A console for output told to a person (the demo): drawn alike on a terminal and in a CI log."""
    probe = console()
    if probe.is_terminal or os.environ.get("COLUMNS"):
        return probe
    return Console(highlight=False, width=_STORY_WIDTH)


def _plain(cell: RenderableType) -> str:
    """A cell as one line of plain text: no markup, no tab; the lines of a multi-line cell joined by ``; ``."""
    text = cell.plain if isinstance(cell, Text) else str(cell)
    return "; ".join(" ".join(line.split()) for line in text.splitlines() if line.strip())


def plain_rows(table: Table) -> Iterator[list[str]]:
    """The header, then every row of `table`, as lists of plain one-line cells."""
    yield [_plain(column.header) for column in table.columns]
    cells = [list(column.cells) for column in table.columns]
    for index in range(table.row_count):
        yield [_plain(column[index]) for column in cells]


def print_table(table: Table) -> None:
    """`table` on stdout: a rich table on a terminal, tab-separated rows (header first) anywhere else."""
    out = console()
    if out.is_terminal:
        out.print(table)
        return
    for row in plain_rows(table):
        click.echo("\t".join(row))


def count(n: int, noun: str, plural: str | None = None) -> str:
    """``1 item``, ``3 items``, ``2 decisions``: a number in words people read, never ``link(s)``."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def print_json(data: object) -> None:
    """Pretty JSON with keys in the order the report builds them (stable for scripts and diffs)."""
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def say(state: AppState, message: str) -> None:
    """A progress or confirmation message on stdout; suppressed by ``--quiet`` and by ``--json`` / ``--jsonl``
    (stdout then holds only JSON)."""
    if not (state.quiet or state.json or state.jsonl):
        click.echo(message)


def warn(state: AppState, message: str) -> None:
    """A warning on stderr (one line), suppressed by ``--quiet``."""
    if not state.quiet:
        click.echo(f"warning: {' '.join(message.split())}", err=True)
