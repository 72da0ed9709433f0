"""The per-invocation state every command reads, and the options that fill it.

`--project`, `--debug` and `--quiet` (and `--json` where a command reports) are accepted both before and after
the command name: the group and each command declare the same options, and their callbacks write into one shared
`AppState` instead of passing keyword arguments. That keeps command signatures free of plumbing, and lets the
error handler in `cli.failures` know whether `--debug` was given even when a command fails half-way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from weavesync.synclog import redact

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class AppState:
    """What the user asked for on the command line, whichever side of the command name they put it."""

    project: Path | None = None
    debug: bool = False
    json: bool = False
    jsonl: bool = False
    """``--jsonl`` (`log`, `watch`, `serve`): one JSON object per line instead of one document."""
    quiet: bool = False
    command_path: str | None = None
    """The command being run (``weavesync resolve``), for the ``see '... --help'`` hint of a usage error."""


def current_state() -> AppState:
    """The `AppState` of the running invocation (created on first use, e.g. when a command is invoked alone)."""
    ctx = click.get_current_context()
    return ctx.find_root().ensure_object(AppState)


def _store(attr: str) -> Callable[[click.Context, click.Parameter, Any], None]:
    """A callback that records a given option in the shared state; an option left out changes nothing, so a
    value given before the command name survives the command's own (absent) copy of the option."""

    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> None:
        if value is None or value is False:
            return
        setattr(ctx.find_root().ensure_object(AppState), attr, value)

    return callback


def _debug(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    """Record ``--debug`` and turn on debug logging (stderr) as soon as it is seen, whichever side it is on."""
    if value:
        ctx.find_root().ensure_object(AppState).debug = True
        handler = logging.StreamHandler()
        handler.setFormatter(RedactingFormatter("%(levelname)s %(name)s: %(message)s"))
        logging.basicConfig(level=logging.DEBUG, handlers=[handler])


class RedactingFormatter(logging.Formatter):
    """Debug lines come from libraries too (httpx logs every request URL), so what reaches stderr is passed
    through the sync log's `redact`: a ``--debug`` run pasted into a bug report must not carry a credential,
    whichever logger wrote it. Tracker URLs lose their userinfo before any request; this is the second net."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def _project(ctx: click.Context, param: click.Parameter, value: Path | None) -> None:
    """Record ``--project``, and which command is running: click calls this for every command on the way
    down, given or not, so the deepest one is recorded last."""
    state = ctx.find_root().ensure_object(AppState)
    state.command_path = ctx.command_path
    if value is not None:
        state.project = value


def _project_option() -> Callable[[F], F]:
    return click.option(
        "--project",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        expose_value=False,
        callback=_project,
        help="The SpecWeave project (the folder holding .specweave/). Default: search upwards from here.",
    )


def _flag(name: str, attr: str, help_text: str) -> Callable[[F], F]:
    return click.option(name, attr, is_flag=True, default=False, expose_value=False, callback=_store(attr),
                        help=help_text)


def common_options(func: F) -> F:
    """`--project`, `--debug`, `--quiet`: on the group and on every command."""
    func = _flag("--quiet", "quiet", "Print only what is asked for (data and errors).")(func)
    func = click.option("--debug", is_flag=True, default=False, expose_value=False, callback=_debug,
                        help="Show tracebacks and debug logging.")(func)
    return _project_option()(func)


def json_option(func: F) -> F:
    """`--json` for commands that report something: stable keys, for scripts; stdout is one JSON document."""
    return _flag("--json", "json", "Print one JSON document instead of tables (errors too).")(func)


def jsonl_option(func: F) -> F:
    """`--jsonl` for commands whose output is a stream of records (`log`, `watch`, `serve`)."""
    return _flag("--jsonl", "jsonl", "Print one JSON object per line (JSON Lines), for streams and `jq -c`.")(func)
