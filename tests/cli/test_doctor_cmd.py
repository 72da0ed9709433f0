"""`weavesync doctor` end to end: a project on the sandbox Jira (real HTTP), text and --json output, exit codes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.cli.conftest import Invoke

from weavesync.sandbox import Sandbox


@pytest.fixture(scope="module")
def jira_env() -> Iterator[dict[str, str]]:
    with Sandbox(trackers=("jira",)) as running:
        yield {k: v for k, v in running.env().items() if not k.startswith("SANDBOX_")}


@pytest.fixture()
def jira_project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    folder = root / ".specweave" / "increments" / "0001-checkout"
    folder.mkdir(parents=True)
    config = {"sync": {"statusSync": {"jira": {"domain": "acme", "projectKey": "CORE"}}}}
    (root / ".specweave" / "config.json").write_text(json.dumps(config, indent=2))
    (folder / "metadata.json").write_text(json.dumps({"id": "0001-checkout", "status": "active",
                                                      "jira": {"issue": "CORE-2"}}, indent=2))
    return root


def test_healthy_project_exits_0_with_stable_json(invoke: Invoke, jira_project: Path,
                                                  jira_env: dict[str, str]) -> None:
    result = invoke("doctor", "--json", "--project", str(jira_project), env=jira_env)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert list(report) == ["project", "ok", "counts", "findings"]
    assert report["ok"] is True and report["counts"]["error"] == 0
    assert list(report["counts"]) == ["ok", "info", "warning", "error"]
    checks = {f["check"] for f in report["findings"]}
    assert {"config", "mapping", "credentials", "workflow", "webhooks", "outbox", "decisions"} <= checks
    assert all(list(f) == ["check", "severity", "tracker", "item", "message", "fix"] for f in report["findings"])


def test_rejected_token_exits_1_and_names_the_fix(invoke: Invoke, jira_project: Path,
                                                   jira_env: dict[str, str]) -> None:
    env = jira_env | {"JIRA_API_TOKEN": "ATATT3xWrongTokenForTest", "COLUMNS": "300"}
    result = invoke("--project", str(jira_project), "doctor", env=env)
    assert result.exit_code == 1
    assert "export JIRA_API_TOKEN=<token>" in result.stdout
    assert "ATATT3xWrongTokenForTest" not in result.output
    assert result.stdout.rstrip().splitlines()[-1].startswith("broken: 1 error")


def test_quiet_shows_only_problems(invoke: Invoke, jira_project: Path, jira_env: dict[str, str]) -> None:
    env = jira_env | {"JIRA_API_TOKEN": "ATATT3xWrongTokenForTest", "COLUMNS": "300"}
    result = invoke("doctor", "--quiet", "--project", str(jira_project), env=env)
    assert result.exit_code == 1
    assert "credentials" in result.stdout
    assert "no pending decisions" not in result.stdout and "broken:" not in result.stdout


def test_invalid_config_is_a_report_not_a_crash(invoke: Invoke, jira_project: Path) -> None:
    (jira_project / ".specweave" / "config.json").write_text('{"sync": {"statusSync": {"promptUser": "yes"}}}')
    result = invoke("doctor", "--json", "--project", str(jira_project))
    assert result.exit_code == 1
    errors = [f for f in json.loads(result.stdout)["findings"] if f["severity"] == "error"]
    assert [f["message"].split(":")[0] for f in errors] == ["$.sync.statusSync.promptUser"]


def test_help_has_an_example(invoke: Invoke) -> None:
    result = invoke("doctor", "--help")
    assert result.exit_code == 0 and "weavesync doctor --json" in result.stdout
