"""The one place where a failure becomes what the user sees: one line on stderr and an exit code.

Every command lets `weavesync.errors.WeavesyncError` (and anything unexpected) propagate; `CliGroup.main` catches
it here and prints ``error: <message>`` plus ``hint: <hint>`` when there is one. Click's own usage errors get the
same one-line shape (exit 2). Tracebacks appear only with ``--debug``, because a stack trace is noise to someone
who only needs to know which file or option is wrong. Exit codes are those of `weavesync.exitcodes`.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Sequence
from typing import Any, NoReturn

import click
from click.exceptions import Exit, NoArgsIsHelpError

from weavesync import exitcodes
from weavesync.cli.context import AppState
from weavesync.errors import UsageError, WeavesyncError
from weavesync.synclog import redact


def _one_line(text: str) -> str:
    """Messages may quote file content; keep them to a single line whatever they contain."""
    return " ".join(text.split())


def report(message: str, hint: str | None = None) -> None:
    """Print a failure the way every command does: one `error:` line and an optional `hint:` line."""
    click.echo(f"error: {_one_line(message)}", err=True)
    if hint:
        click.echo(f"hint: {_one_line(hint)}", err=True)


def exit_code_for(exc: BaseException) -> int:
    """The documented exit code of a failure (docs/exit-codes.md)."""
    if isinstance(exc, WeavesyncError):
        return exc.exit_code
    if isinstance(exc, click.UsageError):
        return exitcodes.USAGE
    return exitcodes.ERROR


def handle(exc: BaseException, state: AppState) -> int:
    """Show `exc` to the user and return the exit code. The traceback goes first, so the last line is the
    summary even with ``--debug``."""
    if state.debug and not isinstance(exc, click.UsageError):
        sys.stderr.write(redact("".join(traceback.format_exception(exc))))
    if isinstance(exc, UsageError):
        report(exc.message, exc.hint or f"see '{state.command_path or 'weavesync'} --help'")
    elif isinstance(exc, WeavesyncError):
        report(exc.message, exc.hint)
    elif isinstance(exc, click.UsageError):
        command = exc.ctx.command_path if exc.ctx is not None else "weavesync"
        report(exc.format_message(), f"see '{command} --help'")
    elif isinstance(exc, click.ClickException):
        report(exc.format_message())
    elif isinstance(exc, click.Abort):
        report("aborted")
    else:
        detail = str(exc) or "no message"
        report(f"unexpected {type(exc).__name__}: {detail}",
               None if state.debug else "run again with --debug to see the traceback, and please report it")
    return exit_code_for(exc)


class CliGroup(click.Group):
    """A click group whose `main` routes every failure through `handle` instead of click's multi-line output."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        state = extra.setdefault("obj", AppState())
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        self._run(args, prog_name, complete_var, state, extra)

    def _run(self, args: Sequence[str] | None, prog_name: str | None, complete_var: str | None,
             state: AppState, extra: dict[str, Any]) -> NoReturn:
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except NoArgsIsHelpError as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except Exit as exc:
            sys.exit(exc.exit_code)
        except (KeyboardInterrupt, EOFError):
            click.echo("", err=True)
            report("interrupted")
            sys.exit(exitcodes.ERROR)
        except Exception as exc:
            sys.exit(handle(exc, state))
        sys.exit(result if isinstance(result, int) else exitcodes.OK)
