"""validate_config reports every problem with its JSON path; the schema itself is valid draft 2020-12."""

from __future__ import annotations

import json
import types
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

import weavesync.config as config_pkg
from weavesync.config import Problem, status_sync_schema, validate_config
from weavesync.config.validate import json_path

DATA = Path(__file__).parent / "data"
MAP = "$.sync.statusSync.mappings"


def problems_of(status_sync: dict[str, Any]) -> dict[str, str]:
    """path -> severity (asserting there is one problem per path in these cases)."""
    found = validate_config({"sync": {"statusSync": status_sync}})
    paths = [p.path for p in found]
    assert len(paths) == len(set(paths)), found
    return {p.path: p.severity for p in found}


def test_schema_is_valid_draft_2020_12() -> None:
    schema = status_sync_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "changed"
    assert status_sync_schema()["title"] == "sync.statusSync"  # a fresh copy each call


def test_schema_accepts_fs031_block_and_rejects_bad_shapes() -> None:
    validator = Draft202012Validator(status_sync_schema())
    mixed = json.loads((DATA / "mixed.json").read_text())["sync"]["statusSync"]
    assert list(validator.iter_errors(mixed)) == []
    bad = {"promptUser": "yes", "pollIntervalSeconds": 0, "mappings": {"github": {"active": {"labels": "x"}}}}
    assert len(list(validator.iter_errors(bad))) == 3


def test_reports_every_problem_with_json_paths() -> None:
    found = problems_of({
        "conflictResolution": "newest",
        "promptUser": "yes",
        "colour": "blue",
        "mappings": {
            "github": {
                "paused": {"state": "on-hold", "labels": ["paused", 3]},
                "abandoned": {"state": "closed", "reason": "duplicate", "lables": ["x"]},
                "someday": "open",
                "active": {"state": "open", "category": "InProgress"},
            },
            "jira": {"paused": {"state": "Blocked", "category": "blocked", "labels": ["hold"]}},
            "ado": {"completed": {"category": "Finished"}, "active": {"state": "Active", "reason": "Started"}},
            "linear": {"active": "Started"},
        },
    })
    assert found == {
        "$.sync.statusSync.conflictResolution": "error",
        "$.sync.statusSync.promptUser": "error",
        "$.sync.statusSync.colour": "warning",
        f"{MAP}.github.paused.state": "error",
        f"{MAP}.github.paused.labels[1]": "error",
        f"{MAP}.github.abandoned.reason": "error",
        f"{MAP}.github.abandoned.lables": "error",
        f"{MAP}.github.someday": "error",
        f"{MAP}.github.active.category": "error",
        f"{MAP}.jira.paused.category": "error",
        f"{MAP}.jira.paused.labels": "error",
        f"{MAP}.ado.completed.category": "error",
        f"{MAP}.ado.active.reason": "error",
        f"{MAP}.linear": "warning",
        f"{MAP}.ado.completed": "warning",  # SpecWeave reads it and needs a string or {state} (issue 11)
    }


def test_github_reason_needs_closed_and_tags_are_read_as_labels() -> None:
    found = validate_config({"sync": {"statusSync": {"mappings": {"github": {
        "paused": {"state": "open", "reason": "not_planned", "labels": ["paused"]},
        "backlog": {"state": "open", "tags": ["backlog"]},
    }}}}})
    assert Problem(f"{MAP}.github.paused.reason", "a close reason needs state 'closed'") in found
    assert [p.severity for p in found if p.path == f"{MAP}.github.backlog.tags"] == ["warning"]


def test_ado_on_hold_is_only_a_warning_and_mixed_example_has_no_errors() -> None:
    raw = json.loads((DATA / "mixed.json").read_text())
    found = validate_config(raw)
    assert [p for p in found if p.severity == "error"] == []
    assert [(p.path, p.severity) for p in found] == [(f"{MAP}.ado.paused", "warning")]
    assert "doctor" in found[0].message


def test_collision_with_a_terminal_status_is_an_error() -> None:
    found = validate_config({"sync": {"statusSync": {"mappings": {
        "github": {"completed": "closed", "abandoned": {"state": "closed", "reason": "completed", "labels": []}},
        "jira": {"abandoned": "Done"},
        "ado": {"abandoned": "Closed"},
    }}}})
    errors = {p.path for p in found if p.severity == "error"}
    assert errors == {f"{MAP}.github.abandoned", f"{MAP}.jira.abandoned", f"{MAP}.ado.abandoned"}
    assert all("completed" in p.message and "abandoned" in p.message for p in found)


def test_collision_between_open_statuses_is_a_warning() -> None:
    found = validate_config({"sync": {"statusSync": {"mappings": {
        "github": {"paused": {"labels": ["in-progress"]}},
        "ado": {"planning": "New", "backlog": {"category": "Proposed", "tags": []}},
    }}}})
    assert {(p.path, p.severity) for p in found} == {
        (f"{MAP}.github.paused", "warning"),
        (f"{MAP}.ado.backlog", "warning"),  # "New" is a Proposed state: one item could satisfy both
    }


def test_defaults_jira_overlap_is_not_news_but_a_new_overlap_is() -> None:
    assert validate_config({"sync": {"statusSync": {"mappings": {"jira": {"planning": "To Do"}}}}}) == []
    found = validate_config({"sync": {"statusSync": {"mappings": {"jira": {"paused": "In Progress"}}}}})
    assert [(p.path, p.severity) for p in found] == [(f"{MAP}.jira.paused", "warning")]


def test_status_aliases_warn_and_duplicates_error() -> None:
    found = validate_config({"sync": {"statusSync": {"mappings": {"github": {
        "in-progress": {"labels": ["wip"]}, "active": {"labels": ["doing"]},
    }}}}})
    assert {(p.path, p.severity) for p in found} == {
        (f"{MAP}.github.in-progress", "warning"),
        (f"{MAP}.github.active", "error"),
    }


def test_jira_resolutions_keys_are_checked() -> None:
    found = validate_config({"sync": {"statusSync": {"jira": {"resolutions": {
        "completed": "Fixed", "shipped": "Done", "active": "Done"}}}}})
    assert {(p.path, p.severity) for p in found} == {
        ("$.sync.statusSync.jira.resolutions.shipped", "error"),
        ("$.sync.statusSync.jira.resolutions.active", "warning"),
    }


def test_older_specweave_blocks_only_warn() -> None:
    found = validate_config({"sync": {"settings": {"conflictResolution": "newest"},
                                      "profiles": {"x": {"platform": "trello", "config": {}}}}})
    assert {(p.path, p.severity) for p in found} == {
        ("$.sync.settings.conflictResolution", "warning"),
        ("$.sync.profiles.x.platform", "warning"),
    }


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({}, []),
        ({"sync": 3}, [Problem("$.sync", "must be an object")]),
        ({"sync": {"statusSync": []}}, [Problem("$.sync.statusSync", "must be an object")]),
    ],
)
def test_degenerate_shapes(raw: dict[str, Any], expected: list[Problem]) -> None:
    assert validate_config(raw) == expected


def test_json_path_quotes_odd_keys() -> None:
    assert json_path("$", "sync", "profiles", "my profile", 2) == "$.sync.profiles['my profile'][2]"
    assert json_path("$", "it's") == "$['it\\'s']"


def test_package_exports_match_all() -> None:
    public = {name for name in dir(config_pkg)
              if not name.startswith("_") and not isinstance(getattr(config_pkg, name), types.ModuleType)}
    assert public == set(config_pkg.__all__)
