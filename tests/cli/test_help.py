"""Every command's --help works and ends with examples of that very command; every command takes --quiet."""

from __future__ import annotations

import click
import pytest

from .command_tree import every_command, leaves, option_names
from .conftest import Invoke

ALL = list(every_command())


def test_the_walk_finds_the_commands_people_use() -> None:
    paths = {" ".join(path) for path, _command in ALL}
    for expected in ("", "status", "config", "config validate", "config schema", "link", "sync", "plan", "resolve",
                     "completion"):
        assert expected in paths


@pytest.mark.parametrize(("path", "command"), ALL, ids=[" ".join(p) or "weavesync" for p, _c in ALL])
def test_help_ends_with_examples_of_the_command(invoke: Invoke, path: tuple[str, ...],
                                                command: click.Command) -> None:
    result = invoke(*path, "--help")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    heads = [i for i, line in enumerate(lines) if line.strip() in ("Example:", "Examples:")]
    assert heads, f"`weavesync {' '.join(path)} --help` has no Examples: section"
    shown = [line.strip() for line in lines[heads[-1] + 1:] if line.strip()]
    wanted = " ".join(("weavesync", *path))
    assert shown, "the Examples: section is empty"
    assert any(wanted in line for line in shown), f"no example runs `{wanted}`: {shown}"


@pytest.mark.parametrize(("path", "command"), leaves(), ids=[" ".join(p) for p, _c in leaves()])
def test_every_command_takes_the_common_options(path: tuple[str, ...], command: click.Command) -> None:
    assert {"--quiet", "--debug", "--project"} <= option_names(command)


def test_short_help_option_works_everywhere(invoke: Invoke) -> None:
    for path, _command in ALL:
        assert invoke(*path, "-h").exit_code == 0, path
