"""`weavesync completion [bash|zsh|fish]`: print the shell completion script.

The script is click's own (`click.shell_completion`): the shell calls ``weavesync`` back with
``_WEAVESYNC_COMPLETE=<shell>_complete`` set and click answers with the commands, options and choices of the
live command tree, so completion never goes stale when a command is added. This module only picks the shell and
prints its script; the install lines are in docs/cli.md and in the command's own ``--help``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import click
from click.shell_completion import get_completion_class

from weavesync.cli.context import common_options
from weavesync.cli.helptext import examples
from weavesync.errors import UsageError

SHELLS = ("bash", "zsh", "fish")
PROG_NAME = "weavesync"
"""The script always completes the installed console script, whatever name this process was started under
(`python -m weavesync`, a test runner)."""


def complete_var(prog_name: str) -> str:
    """The environment variable click's completion protocol uses for `prog_name` (``_WEAVESYNC_COMPLETE``)."""
    return f"_{prog_name}_COMPLETE".replace("-", "_").upper()


def detect_shell(environ: Mapping[str, str] | None = None) -> str:
    """The login shell named by ``$SHELL`` when it is one click supports; UsageError otherwise."""
    shell_path = (os.environ if environ is None else environ).get("SHELL", "")
    name = Path(shell_path).name
    if name in SHELLS:
        return name
    raise UsageError(f"cannot tell which shell to complete for (SHELL={shell_path or 'unset'})",
                     hint=f"name it: weavesync completion {'|'.join(SHELLS)}")


def script(root: click.Command, prog_name: str, shell: str) -> str:
    """The completion script of `shell` for the command tree `root`, invoked as `prog_name`."""
    cls = get_completion_class(shell)
    if cls is None:  # pragma: no cover - SHELLS only names shells click ships
        raise UsageError(f"click has no completion for {shell}")
    return cls(root, {}, prog_name, complete_var(prog_name)).source()


@click.command("completion", epilog=examples(
    'eval "$(weavesync completion bash)"                  # in ~/.bashrc',
    'eval "$(weavesync completion zsh)"                   # in ~/.zshrc, after compinit',
    "weavesync completion fish > ~/.config/fish/completions/weavesync.fish",
))
@click.argument("shell", required=False, type=click.Choice(SHELLS))
@common_options
def completion(shell: str | None) -> None:
    """Print the shell completion script for SHELL (default: the shell named by $SHELL).

    Load it from your shell's start-up file; it completes commands, options and their choices.
    """
    root = click.get_current_context().find_root()
    click.echo(script(root.command, PROG_NAME, shell or detect_shell()))
