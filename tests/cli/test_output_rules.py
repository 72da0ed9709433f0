"""Output rules over real HTTP against the sandbox: plain rows when stdout is a pipe, a box table on a terminal,
errors that name the fix, summaries in words, and `weavesync` alone printing help.

The commands run as child processes (`python -m weavesync`), so stdout really is a pipe or a pseudo-terminal.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import ptyrun
from weavesync.config import default_mappings
from weavesync.model import Connection, Secret, Status, Tracker
from weavesync.sandbox import ACCOUNTS, PERSON, Sandbox
from weavesync.trackers import registry

from .conftest import table_rows
from .test_sync_github_http import INC, make_project

GUARD = 60.0
"""Only a guard against a hung child, never a timed assertion."""


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox() as running:
        yield running


@pytest.fixture()
def env(sandbox: Sandbox) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if k not in ("WEAVESYNC_DATABASE_URL", "FORCE_COLOR", "COLUMNS")}
    out.update({k: v for k, v in sandbox.env().items() if not k.startswith("SANDBOX_PERSON_")})
    out["NO_COLOR"] = "1"
    return out


@pytest.fixture()
def root(tmp_path: Path, sandbox: Sandbox) -> Path:
    """A project whose one increment is linked to a fresh open issue in the sandbox."""
    account = ACCOUNTS["github"][PERSON]
    alice = registry.kind(Tracker.GITHUB).connect(Connection(
        Tracker.GITHUB, sandbox.urls["github"], {"owner": "acme", "repo": "shop"}, token=Secret(account.secret)))
    try:
        mapping = default_mappings()[Tracker.GITHUB]
        created = alice.create("Guest checkout", "Created by a test.", "output-rules", mapping.target(Status.ACTIVE),
                               mapping.managed)
    finally:
        alice.close()
    return make_project(tmp_path / "proj", int(created.link_item.rsplit("#", 1)[1]))


def weavesync(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "weavesync", *args], env=env, capture_output=True, text=True,
                          timeout=GUARD, check=False)


def complete(root: Path) -> None:
    meta = root / ".specweave" / "increments" / INC / "metadata.json"
    data = json.loads(meta.read_text())
    meta.write_text(json.dumps({**data, "status": "completed"}, indent=2))


def test_piped_log_is_tab_separated_rows_under_a_header(root: Path, env: dict[str, str]) -> None:
    first = weavesync(env, "sync", "--project", str(root))
    assert first.returncode == 0, first.stderr
    [agreed] = table_rows(first.stdout.rsplit("\n", 2)[0])
    assert agreed["Change"] == "last agreed state: now `active` / open [in-progress]"
    assert agreed["Why"].endswith("already shows `active`; recorded as the last agreed state")
    assert first.stdout.splitlines()[-1] == "1 link found in agreement (recorded), 0 in sync"
    complete(root)
    pushed = weavesync(env, "sync", "--project", str(root))
    assert pushed.returncode == 0, pushed.stderr
    [row] = table_rows(pushed.stdout.rsplit("\n", 2)[0])
    assert row["Action"] == "push" and row["Outcome"] == "ok"
    assert row["Change"] == "state: open [in-progress] → closed (completed) (`completed`)"
    assert pushed.stdout.splitlines()[-1] == "1 item updated, 0 in sync"
    log = weavesync(env, "log", "--project", str(root))
    assert log.returncode == 0, log.stderr
    assert not set("┏┃━│─└") & set(log.stdout)
    rows = table_rows(log.stdout)
    assert [r["Dir"] for r in rows] == ["push"] and rows[0]["Change"] == "active → completed"
    assert rows[0]["Item"].startswith("github acme/shop#") and "completion comment posted" in rows[0]["Reason"]
    grepped = [line for line in log.stdout.splitlines() if INC in line]
    assert len(grepped) == 1  # one record, one line: grep finds it whole


def test_on_a_terminal_the_log_is_a_box_table(root: Path, env: dict[str, str]) -> None:
    assert weavesync(env, "sync", "--project", str(root)).returncode == 0
    complete(root)
    assert weavesync(env, "sync", "--project", str(root)).returncode == 0
    code, out = ptyrun.run_on_pty([sys.executable, "-m", "weavesync", "log", "--project", str(root)], [],
                                  env={**env, "TERM": "xterm"})
    assert code == 0, out
    assert "Sync log" in out and "┃ Time" in out and "\t" not in out


def test_a_refused_token_names_the_variable_and_doctor(root: Path, env: dict[str, str]) -> None:
    bad = {**env, "GITHUB_TOKEN": "ghp_wrong_token_for_test"}
    result = weavesync(bad, "sync", "--project", str(root))
    assert result.returncode == 1, result.stderr
    [error] = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert error.startswith("error: github GET ") and "401" in error and "github: github" not in error
    [hint] = [line for line in result.stderr.splitlines() if line.startswith("hint: ")]
    assert "GITHUB_TOKEN" in hint and "weavesync doctor" in hint
    assert "ghp_wrong_token_for_test" not in result.stdout + result.stderr
    as_json = weavesync(bad, "status", "--remote", "--json", "--project", str(root))
    assert as_json.returncode == 1
    assert json.loads(as_json.stdout)["remoteProblems"], as_json.stdout


def test_a_json_error_is_one_document_on_stdout(root: Path, env: dict[str, str]) -> None:
    result = weavesync(env, "sync", "9999", "--json", "--project", str(root))
    assert result.returncode == 2 and result.stderr == ""
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "usage" and "9999" in error["message"] and error["exitCode"] == 2


def test_weavesync_alone_prints_help_and_exits_zero(env: dict[str, str]) -> None:
    result = weavesync(env)
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.startswith("Usage: weavesync") and "Commands:" in result.stdout
