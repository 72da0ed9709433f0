"""`weavesync config validate` and `weavesync config schema`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

from weavesync import exitcodes

from .conftest import Invoke

GOOD = {
    "sync": {
        "github": {"enabled": True, "owner": "acme", "repo": "shop"},
        "statusSync": {
            "enabled": True, "autoSync": True, "promptUser": True, "conflictResolution": "prompt",
            "mappings": {
                "github": {"planning": "open", "active": {"state": "open", "labels": ["in-progress"]},
                           "paused": {"state": "open", "labels": ["paused"]}, "completed": "closed",
                           "abandoned": {"state": "closed", "labels": ["wontfix"]}},
                "jira": {"planning": "To Do", "active": "In Progress", "paused": "On Hold", "completed": "Done",
                         "abandoned": "Won't Do"},
            },
        },
    }
}


def _write(project: Path, content: Any) -> None:
    text = content if isinstance(content, str) else json.dumps(content, indent=2)
    (project / ".specweave" / "config.json").write_text(text, encoding="utf-8")


def _validate(invoke: Invoke, project: Path) -> tuple[int, dict[str, Any]]:
    result = invoke("config", "validate", "--project", str(project), "--json")
    return result.exit_code, json.loads(result.stdout)


def test_good_config_is_valid(invoke: Invoke, project: Path) -> None:
    _write(project, GOOD)
    code, data = _validate(invoke, project)
    assert code == exitcodes.OK
    assert data["found"] is True and data["valid"] is True
    assert [p for p in data["problems"] if p["severity"] == "error"] == []
    text = invoke("config", "validate", "--project", str(project))
    assert text.exit_code == exitcodes.OK
    assert "valid" in text.stdout


def test_bad_config_reports_every_problem_with_its_path(invoke: Invoke, project: Path) -> None:
    bad = json.loads(json.dumps(GOOD))
    block = bad["sync"]["statusSync"]
    block["conflictResolution"] = "coin-flip"
    block["mappings"]["github"]["paused"] = {"state": "sleeping"}
    block["shinyNewKey"] = 1
    _write(project, bad)
    code, data = _validate(invoke, project)
    assert code == exitcodes.ERROR
    assert data["valid"] is False
    by_path = {p["path"]: p for p in data["problems"]}
    assert by_path["$.sync.statusSync.conflictResolution"]["severity"] == "error"
    assert any(path.startswith("$.sync.statusSync.mappings.github.paused") and p["severity"] == "error"
               for path, p in by_path.items())
    assert by_path["$.sync.statusSync.shinyNewKey"]["severity"] == "warning"
    for problem in data["problems"]:
        assert list(problem) == ["path", "severity", "message"]

    text = invoke("config", "validate", "--project", str(project))
    assert text.exit_code == exitcodes.ERROR
    lines = text.stdout.splitlines()
    assert "error: $.sync.statusSync.conflictResolution: " in "\n".join(lines)
    assert sum(line.startswith(("error: ", "warning: ")) for line in lines) == len(data["problems"])


def test_warnings_alone_exit_zero(invoke: Invoke, project: Path) -> None:
    config = json.loads(json.dumps(GOOD))
    config["sync"]["statusSync"]["somethingNew"] = True
    _write(project, config)
    code, data = _validate(invoke, project)
    assert code == exitcodes.OK
    assert [p["severity"] for p in data["problems"]] == ["warning"]


def test_invalid_json_is_one_error_at_the_root(invoke: Invoke, project: Path) -> None:
    _write(project, '{"sync": {"statusSync": {,}}}')
    code, data = _validate(invoke, project)
    assert code == exitcodes.ERROR
    [problem] = data["problems"]
    assert problem["path"] == "$" and "invalid JSON at line 1" in problem["message"]


def test_missing_config_means_defaults(invoke: Invoke, project: Path) -> None:
    code, data = _validate(invoke, project)
    assert code == exitcodes.OK
    assert data == {"config": str(project / ".specweave" / "config.json"), "found": False, "valid": True,
                    "problems": []}


def test_schema_is_a_json_schema_that_checks_the_block(invoke: Invoke) -> None:
    result = invoke("config", "schema")
    assert result.exit_code == exitcodes.OK
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    assert validator.is_valid(GOOD["sync"]["statusSync"])
    assert not validator.is_valid({"conflictResolution": "coin-flip"})


def test_sample_project_config_validates(invoke: Invoke, sample_project: Path) -> None:
    result = invoke("config", "validate", "--project", str(sample_project), "--json")
    assert result.exit_code == exitcodes.OK, result.stdout
