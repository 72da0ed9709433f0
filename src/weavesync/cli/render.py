"""Output helpers shared by the commands: rich consoles, JSON, plain messages.

Tables go through rich (which honours ``NO_COLOR`` and drops colour when stdout is not a terminal). JSON and
one-line messages go through `click.echo`, never rich, so a long line is never re-wrapped or marked up: scripts
read exactly what was computed.
"""

from __future__ import annotations

import json
import os

import click
from rich.console import Console

from weavesync.cli.context import AppState

_PIPE_WIDTH = 160
"""Width for tables written to a pipe or file (rich would otherwise assume 80 columns and fold cells)."""


def console() -> Console:
    """A console on the current stdout (created per call, so test runners that swap stdout are honoured)."""
    probe = Console(highlight=False)
    if probe.is_terminal or os.environ.get("COLUMNS"):
        return probe
    return Console(highlight=False, width=_PIPE_WIDTH)


def print_json(data: object) -> None:
    """Pretty JSON with keys in the order the report builds them (stable for scripts and diffs)."""
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def say(state: AppState, message: str) -> None:
    """A progress or confirmation message on stdout; suppressed by ``--quiet`` and by ``--json`` (stdout then
    holds only the JSON document)."""
    if not (state.quiet or state.json):
        click.echo(message)


def warn(state: AppState, message: str) -> None:
    """A warning on stderr (one line), suppressed by ``--quiet``."""
    if not state.quiet:
        click.echo(f"warning: {' '.join(message.split())}", err=True)
