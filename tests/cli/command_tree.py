"""Every command registered on the `weavesync` group, walked the way click resolves them (test helper).

Tests that must cover each command iterate `leaves()` / `every_command()` instead of a hand-written list, so a
command added to `cli.main` without an example, `--json` or `--quiet` fails them until it is handled.
"""

from __future__ import annotations

from collections.abc import Iterator

import click

from weavesync.cli.main import cli

Entry = tuple[tuple[str, ...], click.Command]


def every_command(group: click.Group = cli, path: tuple[str, ...] = ()) -> Iterator[Entry]:
    """(path, command) for the group itself and every command and subcommand under it, groups included."""
    yield path, group
    ctx = click.Context(group, info_name="weavesync")
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None
        if isinstance(command, click.Group):
            yield from every_command(command, (*path, name))
        else:
            yield (*path, name), command


def leaves() -> list[Entry]:
    """The runnable commands (no groups), e.g. ``("config", "validate")``."""
    return [(path, command) for path, command in every_command() if not isinstance(command, click.Group)]


def option_names(command: click.Command) -> set[str]:
    return {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}
