"""The installed entry point (`python -m weavesync`, the console script's code path) in a child process."""

from __future__ import annotations

import json
from pathlib import Path

from weavesync import exitcodes

from .conftest import run_entry_point, write_increment


def test_project_before_and_after_give_the_same_report(project: Path) -> None:
    after = run_entry_point("status", "--project", str(project), "--json")
    before = run_entry_point("--project", str(project), "--json", "status")
    assert after.returncode == before.returncode == exitcodes.OK
    assert json.loads(after.stdout) == json.loads(before.stdout)
    assert json.loads(after.stdout)["project"] == str(project)


def test_exit_codes_zero_one_two(project: Path) -> None:
    ok = run_entry_point("status", "--project", str(project))
    assert ok.returncode == exitcodes.OK, ok.stderr
    assert "0001-status-sync" in ok.stdout
    usage = run_entry_point("status", "--nope")
    assert usage.returncode == exitcodes.USAGE
    write_increment(project, "0004-broken", '{\n  "id": "0004-broken",\n  "status": "active",\n}')
    broken = run_entry_point("status", "--project", str(project))
    assert broken.returncode == exitcodes.ERROR
    assert "0001-status-sync" in broken.stdout
    [line] = [x for x in broken.stderr.splitlines() if x.startswith("error: ")]
    assert line.startswith("error: .specweave/increments/0004-broken/metadata.json: invalid JSON")


def test_errors_are_one_line_without_debug_and_a_traceback_with_it(tmp_path: Path) -> None:
    plain = run_entry_point("status", "--project", str(tmp_path))
    assert plain.returncode == exitcodes.ERROR
    assert plain.stdout == ""
    assert [line.split(":")[0] for line in plain.stderr.splitlines()] == ["error", "hint"]
    debug = run_entry_point("--debug", "status", "--project", str(tmp_path))
    assert debug.returncode == exitcodes.ERROR
    assert debug.stderr.startswith("Traceback (most recent call last)")
    assert "weavesync.errors.ProjectNotFound" in debug.stderr


def test_version_and_config_commands(project: Path) -> None:
    version = run_entry_point("--version")
    assert version.returncode == 0 and version.stdout.startswith("weavesync, version ")
    schema = run_entry_point("config", "schema")
    assert json.loads(schema.stdout)["title"] == "sync.statusSync"
    (project / ".specweave" / "config.json").write_text('{"sync": {"statusSync": {"promptUser": "yes"}}}')
    bad = run_entry_point("config", "validate", "--project", str(project))
    assert bad.returncode == exitcodes.ERROR
    assert bad.stdout.startswith("error: $.sync.statusSync.promptUser: ")
