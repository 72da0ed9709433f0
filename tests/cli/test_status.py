"""`weavesync status`: the table, the JSON keys, and broken increments reported while the others are listed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from weavesync import exitcodes
from weavesync.cli.report import StatusReport, build_report, with_remote
from weavesync.specweave import find_project

from .conftest import Invoke, meta, table_rows, write_increment

INCREMENT_KEYS = ["id", "number", "status", "rawStatus", "specStatus", "statusMismatch", "archived", "title",
                  "links", "warnings"]
LINK_KEYS = ["tracker", "item", "role", "story", "url"]


def _json(invoke: Invoke, root: Path) -> tuple[int, dict[str, Any]]:
    result = invoke("status", "--project", str(root), "--json")
    return result.exit_code, json.loads(result.stdout)


def test_json_has_stable_keys_and_the_facts(invoke: Invoke, project: Path) -> None:
    code, data = _json(invoke, project)
    assert code == exitcodes.OK
    assert list(data) == ["project", "increments", "problems"]
    rows = {row["id"]: row for row in data["increments"]}
    for row in rows.values():
        assert list(row) == INCREMENT_KEYS
        for link in row["links"]:
            assert list(link) == LINK_KEYS
    planned = rows["0001-status-sync"]
    assert (planned["status"], planned["rawStatus"], planned["statusMismatch"]) == ("planning", "planned", False)
    assert planned["links"] == [{"tracker": "github", "item": "acme/shop#101", "role": "increment", "story": None,
                                 "url": "https://github.com/acme/shop/issues/101"}]
    checkout = rows["0002-checkout"]
    assert (checkout["status"], checkout["specStatus"], checkout["statusMismatch"]) == ("active", "paused", True)
    assert [link["item"] for link in checkout["links"]] == ["CORE-7"]
    search = rows["0003-search"]
    assert search["archived"] is True and search["number"] == "0003"
    assert [(link["tracker"], link["item"]) for link in search["links"]] == [("ado", "acme/Shop/2440")]
    assert data["problems"] == []


def test_broken_increment_is_a_problem_and_the_others_are_listed(invoke: Invoke, broken_project: Path) -> None:
    code, data = _json(invoke, broken_project)
    assert code == exitcodes.ERROR
    assert [row["id"] for row in data["increments"]] == [
        "0001-status-sync", "0002-checkout", "0003-search"]
    [problem] = data["problems"]
    assert list(problem) == ["file", "field", "message"]
    assert problem["file"] == ".specweave/increments/0004-broken/metadata.json"
    assert "invalid JSON" in problem["message"]


def test_broken_increment_in_the_table_is_one_line_naming_file_and_field(invoke: Invoke, project: Path) -> None:
    write_increment(project, "0005-odd", meta("0005-odd", "someday"))
    before = (project / ".specweave/increments/0005-odd/metadata.json").read_bytes()
    result = invoke("status", "--project", str(project))
    assert result.exit_code == exitcodes.ERROR
    assert "0001-status-sync" in result.stdout and "0003-search" in result.stdout
    assert "0005-odd" not in result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1
    assert errors[0].startswith("error: .specweave/increments/0005-odd/metadata.json: status: ")
    assert "someday" in errors[0]
    assert "Traceback" not in result.stderr
    assert (project / ".specweave/increments/0005-odd/metadata.json").read_bytes() == before


def test_table_shows_status_spelling_mismatch_archive_and_links(invoke: Invoke, project: Path) -> None:
    result = invoke("status", "--project", str(project))
    assert result.exit_code == exitcodes.OK
    rows = {row["Increment"]: row for row in table_rows(result.stdout)}
    assert rows["0001-status-sync"]["Status"] == "planned -> planning"
    assert "github acme/shop#101 (increment)" in rows["0001-status-sync"]["Links"]
    assert rows["0002-checkout"]["spec.md"] == "says paused"
    assert rows["0001-status-sync"]["spec.md"] == ""
    assert "jira CORE-7" in rows["0002-checkout"]["Links"]
    assert rows["0003-search"]["Archived"] == "yes" and "ado acme/Shop/2440" in rows["0003-search"]["Links"]
    assert result.stderr == ""


def test_columns_with_nothing_to_say_are_left_out(invoke: Invoke, tmp_path: Path) -> None:
    """No spec.md mismatch and nothing archived: neither column is shown; one mismatch brings spec.md back."""
    (tmp_path / ".specweave").mkdir()
    write_increment(tmp_path, "0001-a", meta("0001-a", "active"))
    result = invoke("status", "--project", str(tmp_path))
    assert result.stdout.splitlines()[0].split("\t") == ["Increment", "Status", "Links"]
    write_increment(tmp_path, "0002-b", meta("0002-b", "active"), spec_status="paused")
    result = invoke("status", "--project", str(tmp_path))
    assert result.stdout.splitlines()[0].split("\t") == ["Increment", "Status", "spec.md", "Links"]


def test_missing_status_field_is_reported(invoke: Invoke, project: Path) -> None:
    write_increment(project, "0006-nostatus", {"id": "0006-nostatus"})
    code, data = _json(invoke, project)
    assert code == exitcodes.ERROR
    assert data["problems"] == [{"file": ".specweave/increments/0006-nostatus/metadata.json", "field": "status",
                                 "message": "missing"}]


def test_broken_config_is_a_problem_but_increments_are_listed(invoke: Invoke, project: Path) -> None:
    (project / ".specweave" / "config.json").write_text('{"sync": {"statusSync": {"conflictResolution": "coin"}}}')
    code, data = _json(invoke, project)
    assert code == exitcodes.ERROR
    assert len(data["increments"]) == 3
    [problem] = data["problems"]
    assert problem["file"] == ".specweave/config.json"
    assert problem["field"] == "$.sync.statusSync.conflictResolution"


def test_configured_repository_completes_number_only_links(invoke: Invoke, project: Path) -> None:
    write_increment(project, "0007-old", meta("0007-old", "active", github={"issue": 521}))
    (project / ".specweave" / "config.json").write_text(
        json.dumps({"sync": {"github": {"enabled": True, "owner": "acme", "repo": "legacy"}}}))
    code, data = _json(invoke, project)
    assert code == exitcodes.OK
    [row] = [r for r in data["increments"] if r["id"] == "0007-old"]
    assert [link["item"] for link in row["links"]] == ["acme/legacy#521"]


def test_empty_project_exits_zero(invoke: Invoke, tmp_path: Path) -> None:
    (tmp_path / ".specweave").mkdir()
    result = invoke("status", "--project", str(tmp_path))
    assert result.exit_code == exitcodes.OK
    assert "no readable increments" in result.stdout


def test_remote_hook_adds_live_state_to_links_only(project: Path) -> None:
    def lookup(report: StatusReport) -> StatusReport:
        return with_remote(report, {"github:acme/shop#101": {"state": "closed"}})

    report = build_report(find_project(project), remote=lookup).to_json()
    links = [link for row in report["increments"] for link in row["links"]]
    assert [link.get("remote") for link in links] == [{"state": "closed"}, None, None]
    assert build_report(find_project(project)).to_json()["increments"] == [
        {**row, "links": [{k: v for k, v in link.items() if k != "remote"} for link in row["links"]]}
        for row in report["increments"]
    ]


def test_sample_project_is_listed(invoke: Invoke, sample_project: Path) -> None:
    code, data = _json(invoke, sample_project)
    assert code == exitcodes.OK
    statuses = {row["id"]: row["rawStatus"] for row in data["increments"]}
    assert statuses["0001-status-sync"] == "planned"
    assert statuses["0002-checkout-flow"] == "paused"
    assert statuses["0003-search-api"] == "completed"
    assert statuses["0004-dark-mode"] == "abandoned"
