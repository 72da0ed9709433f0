"""Failures a person can fix print one `error:` line and one `hint:` line that says how, and no traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import Invoke, meta, write_increment
from .sync_world import make_world


def _two_lines(stderr: str) -> tuple[str, str]:
    lines = stderr.splitlines()
    assert len(lines) == 2, stderr
    assert lines[0].startswith("error: ") and lines[1].startswith("hint: "), stderr
    assert "Traceback" not in stderr
    return lines[0], lines[1]


def test_type_without_create(invoke: Invoke, project: Path) -> None:
    result = invoke("link", "0001", "github:acme/shop#5", "--type", "Epic", "--project", str(project))
    assert result.exit_code == 2
    error, hint = _two_lines(result.stderr)
    assert "--type only applies with --create" in error and "--create" in hint


def test_resolve_off_a_terminal_without_a_flag(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    world = make_world(tmp_path, monkeypatch)
    world.person_closes()
    assert world.invoke("sync").exit_code == 3
    result = world.invoke("resolve", "0042")
    assert result.exit_code == 2
    error, hint = _two_lines(result.stderr)
    assert "--accept" in error and "weavesync pending" in hint


def test_two_answers_at_once(invoke: Invoke, project: Path) -> None:
    result = invoke("resolve", "0001", "--accept", "--decline", "--project", str(project))
    assert result.exit_code == 2
    _error, hint = _two_lines(result.stderr)
    assert "--decline keeps" in hint


@pytest.mark.parametrize("raw", ["[]", '"sync"'])
def test_config_that_is_not_an_object(invoke: Invoke, project: Path, raw: str) -> None:
    (project / ".specweave" / "config.json").write_text(raw, encoding="utf-8")
    result = invoke("plan", "--project", str(project))
    assert result.exit_code == 1
    error, hint = _two_lines(result.stderr)
    assert "top level must be a JSON object" in error and "{ ... }" in hint


def test_config_that_is_not_utf8(invoke: Invoke, project: Path) -> None:
    (project / ".specweave" / "config.json").write_bytes(b'{"sync": "\xff"}')
    result = invoke("plan", "--project", str(project))
    assert result.exit_code == 1
    _error, hint = _two_lines(result.stderr)
    assert "UTF-8" in hint


@pytest.mark.parametrize("status", [None, 7, "sleeping"])
def test_an_increment_without_a_valid_status(invoke: Invoke, project: Path, status: object) -> None:
    data = meta("0005-broken", "active")
    if status is None:
        del data["status"]
    else:
        data["status"] = status
    write_increment(project, "0005-broken", json.dumps(data))
    result = invoke("link", "0005", "jira:CORE-1", "--project", str(project))
    assert result.exit_code == 1
    error, hint = _two_lines(result.stderr)
    assert "metadata.json: status: " in error
    assert hint.startswith('hint: set "status" to one of: ') and "completed" in hint


def test_a_usage_error_without_its_own_hint_points_at_the_command_help(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    world = make_world(tmp_path, monkeypatch)
    world.person_closes()
    assert world.invoke("sync").exit_code == 3
    result = world.invoke("resolve", "0042", "--status", "completed")
    assert result.exit_code == 2
    error, hint = _two_lines(result.stderr)
    assert error == "error: --status completed is not allowed from `active`; allowed: backlog, paused, " \
                    "ready_for_review, abandoned"
    assert hint.startswith("hint: see '") and hint.endswith(" resolve --help'")
