"""Opening a `SyncSession` for a command, and deciding whether a person may be asked.

The sync commands (`sync`, `push`, `pull`, `plan`, `resolve`, `retry`, `pending`, `outbox`, `log`) all work on one
project's sync machinery; this module is the one place that turns the shared command-line state into a session,
so every command finds the project, the config and the state store the same way.

Asking is allowed only when a person can answer: stdin AND stdout are terminals, and neither ``--no-input`` nor
``--json`` was given (a script that reads JSON cannot answer a prompt). Off a terminal the executor stores the
decision as pending and the command exits 3; nothing is ever chosen silently (sync-semantics.md §4).
"""

from __future__ import annotations

import sys
from typing import TextIO

from weavesync.cli.context import AppState
from weavesync.executor import SyncSession
from weavesync.specweave import find_project


def open_session(state: AppState) -> SyncSession:
    """The session for the project named by ``--project`` (or found upwards from the working directory)."""
    return SyncSession.open(find_project(state.project))


def is_terminal(stream: TextIO) -> bool:
    """A stream is a terminal only if it says so; replaced or closed streams (test runners, pipes) are not."""
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def can_ask(state: AppState, *, no_input: bool) -> bool:
    """True when a prompt may be shown: both ends are a terminal and neither --no-input nor --json is given."""
    if no_input or state.json:
        return False
    return is_terminal(sys.stdin) and is_terminal(sys.stdout)
