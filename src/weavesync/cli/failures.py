"""The one place where a failure becomes what the user sees: one line on stderr (or one JSON document) and an
exit code.

Every command lets `weavesync.errors.WeavesyncError` (and anything unexpected) propagate; `CliGroup.main` catches
it here and prints ``error: <message>`` plus ``hint: <hint>`` when there is one. Click's own usage errors get the
same one-line shape (exit 2). With ``--json`` (or ``--jsonl``) anywhere on the command line, the failure is
instead the one JSON document on stdout, ``{"error": {"message", "hint", "code", "exitCode"}}``, also for a usage
error click finds before it has read ``--json`` itself. Tracebacks appear only with ``--debug`` (on stderr),
because a stack trace is noise to someone who only needs to know which file or option is wrong. Exit codes are
those of `weavesync.exitcodes`.
"""

from __future__ import annotations

import json
import re
import sys
import traceback
from collections.abc import Sequence
from typing import Any, NoReturn

import click
from click.exceptions import Exit, NoArgsIsHelpError

from weavesync import exitcodes
from weavesync.cli.context import AppState
from weavesync.config.load import TOKEN_ENV
from weavesync.errors import AuthFailed, TrackerError, UsageError, WeavesyncError
from weavesync.model import Tracker
from weavesync.synclog import redact


def _one_line(text: str) -> str:
    """Messages may quote file content; keep them to a single line whatever they contain."""
    return " ".join(text.split())


def report(message: str, hint: str | None = None) -> None:
    """Print a failure the way every command does: one `error:` line and an optional `hint:` line."""
    click.echo(f"error: {_one_line(message)}", err=True)
    if hint:
        click.echo(f"hint: {_one_line(hint)}", err=True)


def credentials_hint(tracker: str) -> str:
    """The fix for a refused token: which variable to set, and the command that checks it."""
    try:
        names = TOKEN_ENV[Tracker(tracker)]
    except (ValueError, KeyError):
        return "check the tracker's token in the environment, then run `weavesync doctor`"
    variables = names[0] + (f" (or {', '.join(names[1:])})" if names[1:] else "")
    if tracker == Tracker.JIRA.value:
        variables = f"JIRA_EMAIL and {variables}"
    return f"check {variables}: set, not expired, allowed to read and write the items; then run `weavesync doctor`"


_DOUBLED = re.compile(r"^(\w+): (?=\1 )")
_REFUSED = re.compile(r"^(\w+) \w+ \S+ failed with (?:401|403):")


def report_problem(problem: str) -> None:
    """One problem a run reports as text (a tracker that could not be read, a file): an `error:` line, without
    the tracker named twice, and a `hint:` naming the fix when the tracker refused the credentials."""
    message = _DOUBLED.sub("", _one_line(problem))
    refused = _REFUSED.match(message)
    report(message, credentials_hint(refused.group(1)) if refused else None)


def exit_code_for(exc: BaseException) -> int:
    """The documented exit code of a failure (docs/exit-codes.md)."""
    if isinstance(exc, WeavesyncError):
        return exc.exit_code
    if isinstance(exc, click.UsageError):
        return exitcodes.USAGE
    return exitcodes.ERROR


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def error_code(exc: BaseException) -> str:
    """A stable machine-readable name for the kind of failure: ``usage``, ``config_error``, ``auth_failed``,
    ``project_not_found``, ``interrupted``, ``internal`` (a bug) ... (docs/exit-codes.md)."""
    if isinstance(exc, UsageError | click.UsageError):
        return "usage"
    if isinstance(exc, WeavesyncError):
        return _snake(type(exc).__name__)
    if isinstance(exc, click.Abort | KeyboardInterrupt | EOFError):
        return "interrupted"
    if isinstance(exc, click.ClickException):
        return "error"
    return "internal"


def describe(exc: BaseException, state: AppState) -> tuple[str, str | None]:
    """The message and the hint shown for `exc`: the fix when weavesync knows one, else where to look next."""
    if isinstance(exc, UsageError):
        return exc.message, exc.hint or f"see '{state.command_path or 'weavesync'} --help'"
    if isinstance(exc, AuthFailed) and exc.status in (401, 403):
        return exc.message, credentials_hint(exc.tracker)
    if isinstance(exc, TrackerError):
        return exc.message, exc.hint or "run `weavesync doctor` to check the credentials and the tracker"
    if isinstance(exc, WeavesyncError):
        return exc.message, exc.hint
    if isinstance(exc, click.UsageError):
        command = exc.ctx.command_path if exc.ctx is not None else "weavesync"
        return exc.format_message(), f"see '{command} --help'"
    if isinstance(exc, click.ClickException):
        return exc.format_message(), None
    if isinstance(exc, click.Abort | KeyboardInterrupt | EOFError):
        return "interrupted", None
    detail = str(exc) or "no message"
    return (f"unexpected {type(exc).__name__}: {detail}",
            None if state.debug else "run again with --debug to see the traceback, and please report it")


def error_document(exc: BaseException, state: AppState) -> dict[str, object]:
    """`exc` as the one JSON document of a ``--json`` run."""
    message, hint = describe(exc, state)
    return {"error": {"message": redact(_one_line(message)), "hint": _one_line(hint) if hint else None,
                      "code": error_code(exc), "exitCode": exit_code_for(exc)}}


def handle(exc: BaseException, state: AppState) -> int:
    """Show `exc` to the user and return the exit code. The traceback goes first, so the last line is the
    summary even with ``--debug``."""
    if state.debug and not isinstance(exc, click.UsageError | KeyboardInterrupt | EOFError | click.Abort):
        sys.stderr.write(redact("".join(traceback.format_exception(exc))))
    if state.json or state.jsonl:
        document = error_document(exc, state)
        click.echo(json.dumps(document, ensure_ascii=False, indent=None if state.jsonl else 2))
    else:
        report(*describe(exc, state))
    return exit_code_for(exc)


def asks_for_json(args: Sequence[str]) -> tuple[bool, bool]:
    """Whether ``--json`` / ``--jsonl`` is on the command line (before a ``--``), read before click parses it, so
    a usage error click raises first still comes out as JSON."""
    words = list(args)
    if "--" in words:
        words = words[: words.index("--")]
    return "--json" in words, "--jsonl" in words


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
        wants_json, wants_jsonl = asks_for_json(sys.argv[1:] if args is None else args)
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except NoArgsIsHelpError as exc:
            # `weavesync` (or `weavesync config`) alone asks what there is: the help, exit 0.
            click.echo(exc.ctx.get_help())
            sys.exit(exitcodes.OK)
        except Exit as exc:
            sys.exit(exc.exit_code)
        except (KeyboardInterrupt, EOFError) as exc:
            if not (wants_json or wants_jsonl):
                click.echo("", err=True)
            state.json, state.jsonl = state.json or wants_json, state.jsonl or wants_jsonl
            sys.exit(handle(exc, state))
        except Exception as exc:
            state.json, state.jsonl = state.json or wants_json, state.jsonl or wants_jsonl
            sys.exit(handle(exc, state))
        sys.exit(result if isinstance(result, int) else exitcodes.OK)
