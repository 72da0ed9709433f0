"""Shared options on both sides of the command name, --version, and the one-line error contract (in-process)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from weavesync import __version__, exitcodes
from weavesync.cli import status as status_module
from weavesync.cli.report import StatusReport
from weavesync.specweave import Project

from .conftest import Invoke


def test_version(invoke: Invoke) -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert __version__ in result.stdout


@pytest.mark.parametrize("args", [
    ("status", "--project", "{p}", "--json"),
    ("--project", "{p}", "status", "--json"),
    ("--json", "--project", "{p}", "status"),
    ("--project", "/nowhere", "status", "--project", "{p}", "--json"),
])
def test_project_and_json_before_or_after_the_command(invoke: Invoke, project: Path, args: tuple[str, ...]) -> None:
    result = invoke(*(a.format(p=project) for a in args))
    assert result.exit_code == exitcodes.OK, result.stderr
    data = json.loads(result.stdout)
    assert data["project"] == str(project)
    assert [row["id"] for row in data["increments"]] == ["0001-status-sync", "0002-checkout", "0003-search"]


def test_project_found_by_walking_up_from_the_working_directory(
    invoke: Invoke, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inner = project / ".specweave" / "increments" / "0001-status-sync"
    monkeypatch.chdir(inner)
    result = invoke("status", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["project"] == str(project)


def test_unknown_option_is_a_one_line_usage_error(invoke: Invoke, project: Path) -> None:
    result = invoke("status", "--project", str(project), "--bogus")
    assert result.exit_code == exitcodes.USAGE
    lines = result.stderr.splitlines()
    assert lines[0].startswith("error: ") and "--bogus" in lines[0]
    assert lines[1].startswith("hint: ") and "status --help" in lines[1]
    assert len(lines) == 2
    assert result.stdout == ""


def test_unknown_command_is_a_usage_error(invoke: Invoke) -> None:
    result = invoke("frobnicate")
    assert result.exit_code == exitcodes.USAGE
    assert result.stderr.startswith("error: ") and "frobnicate" in result.stderr


def test_missing_project_is_one_error_line_with_a_hint_and_no_traceback(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("status", "--project", str(tmp_path))
    assert result.exit_code == exitcodes.ERROR
    lines = result.stderr.splitlines()
    assert lines[0] == f"error: {tmp_path} is not a SpecWeave project (no .specweave/ folder in it)"
    assert lines[1].startswith("hint: ")
    assert len(lines) == 2
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_shows_the_traceback(invoke: Invoke, tmp_path: Path, where: str) -> None:
    args = ["--debug", "status", "--project", str(tmp_path)] if where == "before" else [
        "status", "--project", str(tmp_path), "--debug"]
    result = invoke(*args)
    assert result.exit_code == exitcodes.ERROR
    assert "Traceback (most recent call last)" in result.stderr
    assert "ProjectNotFound" in result.stderr
    assert result.stderr.splitlines()[-2].startswith("error: ")


def test_unexpected_exception_is_one_line_unless_debug(
    invoke: Invoke, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(project: Project) -> StatusReport:
        raise KeyError("surprise")

    monkeypatch.setattr(status_module, "build_report", explode)
    quiet = invoke("status", "--project", str(project))
    assert quiet.exit_code == exitcodes.ERROR
    assert quiet.stderr.splitlines()[0] == "error: unexpected KeyError: 'surprise'"
    assert "Traceback" not in quiet.stderr
    loud = invoke("status", "--project", str(project), "--debug")
    assert loud.exit_code == exitcodes.ERROR
    assert "Traceback (most recent call last)" in loud.stderr
    assert "in explode" in loud.stderr


def test_quiet_keeps_the_table_and_errors_but_drops_chatter(invoke: Invoke, project: Path) -> None:
    result = invoke("--quiet", "config", "validate", "--project", str(project))
    assert result.exit_code == 0
    assert result.stdout == ""
    chatty = invoke("config", "validate", "--project", str(project))
    assert "not found" in chatty.stdout


COLOUR = re.compile(r"\x1b\[[0-9;]*[34][0-7](?:;[0-9;]*)?m")


def test_no_color_turns_colour_off(invoke: Invoke, project: Path) -> None:
    coloured = invoke("status", "--project", str(project), env={"FORCE_COLOR": "1", "NO_COLOR": ""})
    assert COLOUR.search(coloured.stdout), "the table should be coloured on a (forced) terminal"
    plain = invoke("status", "--project", str(project), env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert plain.exit_code == 0
    assert "0003-search" in plain.stdout
    assert not COLOUR.search(plain.stdout)


def test_help_lists_every_command(invoke: Invoke) -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    for name in ("status", "config", "link", "unlink", "sandbox"):
        assert name in result.stdout
