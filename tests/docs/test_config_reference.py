"""docs/config-reference.md is generated from the schema and the default mappings; keep the two equal.

When this fails after a change to the config code, regenerate the page (from the repository root):

    python -m weavesync.config.reference > docs/config-reference.md
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from weavesync.config import default_mappings, status_sync_schema, validate_config
from weavesync.config.load import BASE_URL_ENV, TOKEN_ENV, WEBHOOK_SECRET_ENV
from weavesync.config.reference import (
    DESCRIPTIONS,
    REGENERATE,
    VALUE_DESCRIPTIONS,
    render_config_reference,
    schema_paths,
    target_text,
)
from weavesync.model import Status, Target, Tracker

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "config-reference.md"


def test_page_equals_the_generated_reference() -> None:
    assert PAGE.read_text(encoding="utf-8") == render_config_reference(), (
        f"docs/config-reference.md is stale; regenerate it with: {REGENERATE}"
    )


def test_every_schema_key_is_explained_and_no_explanation_is_stale() -> None:
    paths = schema_paths()
    assert "jira.resolutions" in paths and "conflictResolution" in paths
    missing = [p for p in paths if p not in DESCRIPTIONS]
    stale = [p for p in DESCRIPTIONS if p not in paths]
    assert missing == [], f"add a line to DESCRIPTIONS in weavesync/config/reference.py for {missing}"
    assert stale == [], f"DESCRIPTIONS names keys the schema no longer has: {stale}"
    fields = list(status_sync_schema()["$defs"]["mappingValue"]["properties"])
    assert sorted(fields) == sorted(VALUE_DESCRIPTIONS)


def test_every_key_row_and_enum_value_is_on_the_page() -> None:
    page = render_config_reference()
    for path in schema_paths():
        assert f"| `{path}` |" in page
    for value in status_sync_schema()["properties"]["conflictResolution"]["enum"]:
        assert f"`{value}`" in page


def test_default_mappings_table_has_one_row_per_status_with_every_tracker_target() -> None:
    page = render_config_reference()
    mappings = default_mappings()
    for status in Status:
        row = next(line for line in page.splitlines() if line.startswith(f"| `{status.value}` |"))
        cells = [cell.strip() for cell in row.strip("|").split(" | ")]
        assert cells[1:] == [target_text(t, mappings[t].target(status)) for t in Tracker]


def test_target_text_names_every_part_of_a_target() -> None:
    jira = target_text(Tracker.JIRA, Target("Done", "done", "Fixed"))
    assert jira == "`Done` (else category `done`) resolution `Fixed`"
    ado = target_text(Tracker.ADO, Target(None, "InProgress", None, frozenset({"paused", "blocked"})))
    assert ado == "any `InProgress` state + tags `blocked`, `paused`"
    assert target_text(Tracker.GITHUB, Target("closed", None, "not_planned")) == "`closed` reason `not_planned`"


def test_environment_variables_come_from_the_loader() -> None:
    page = render_config_reference()
    names = [*BASE_URL_ENV.values(), "JIRA_EMAIL"]
    for group in (*TOKEN_ENV.values(), *WEBHOOK_SECRET_ENV.values()):
        names.extend(group)
    for name in names:
        assert f"`{name}`" in page


def test_embedded_schema_and_examples_are_valid() -> None:
    blocks = re.findall(r"```json\n(.*?)```", render_config_reference(), re.S)
    assert json.loads(blocks[-1]) == status_sync_schema()
    example = json.loads(blocks[0])
    assert [p for p in validate_config(example)] == []
    fragment = json.loads("{" + blocks[1] + "}")
    assert [p for p in validate_config({"sync": {"statusSync": fragment}})] == []
