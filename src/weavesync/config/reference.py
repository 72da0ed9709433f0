"""Render ``docs/config-reference.md`` from the code that defines the configuration.

Why generated: a hand-written reference drifts from the schema and the default mappings the day someone changes
them. Every fact on the page comes from `status_sync_schema()` (keys, types, allowed values), `SyncConfig()`
(defaults), `default_mappings()` (the mapping table) and `config.load` (environment variable names); only the
one-line explanations live here, keyed by JSON path, and `tests/docs/test_config_reference.py` fails when the
page and this module disagree or when a schema key has no explanation.

Regenerate with ``python -m weavesync.config.reference > docs/config-reference.md``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from weavesync.config.load import BASE_URL_ENV, TOKEN_ENV, WEBHOOK_SECRET_ENV, SyncConfig
from weavesync.config.mapping import TrackerMapping, default_mappings
from weavesync.config.schema import status_sync_schema
from weavesync.model import Status, Target, Tracker

REGENERATE = "python -m weavesync.config.reference > docs/config-reference.md"

TRACKER_TITLES: Mapping[Tracker, str] = {Tracker.GITHUB: "GitHub", Tracker.JIRA: "Jira", Tracker.ADO: "Azure DevOps"}

DESCRIPTIONS: Mapping[str, str] = {
    "enabled": "`false` switches status sync off for this project. Falls back to `sync.enabled`.",
    "autoSync": "Push completions and abandonments to the trackers without asking. With `false` (and "
    "`promptUser: true`) weavesync shows the item and what it will become, and asks first. Falls back to "
    "`sync.autoSync`.",
    "promptUser": "Ask a person about inbound changes (an item closed or reopened in a tracker). With `false` the "
    "proposed status is applied, as with `--yes`. Conflicts are governed by `conflictResolution` alone.",
    "conflictResolution": "How a conflict (both sides changed and disagree) is settled: `prompt` asks; "
    "`last-write-wins` keeps the side whose *status* changed last and asks when it cannot tell; `specweave-wins`; "
    "`external-wins`. Falls back to `sync.settings.conflictResolution` (`prefer-local`, `prefer-external`).",
    "completionComments": "When a push closes or abandons an item, post one comment such as \"Status: completed, "
    "synced from SpecWeave increment 0042-checkout\" (never twice).",
    "userStoryLinks": "`outbound`: user-story items follow their increment (closed on completed/abandoned, "
    "reopened on reopen) and changes made to them in the tracker are not asked about. `both`: they sync both "
    "ways, like increment links.",
    "pollIntervalSeconds": "Seconds between polls of the trackers in `watch` and `serve` (the fallback for missed "
    "webhook deliveries). Falls back to `sync.orchestration.scheduler.jobs.externalSync.intervalMinutes` when "
    "that job is enabled.",
    "mappings": "Per tracker, SpecWeave status → target (see [Mapping values](#mapping-values)). Statuses you do "
    "not name keep the [defaults](#default-mappings). Tracker keys `azure-devops` and `azure_devops` are read as "
    "`ado`.",
    "mappings.github": "GitHub's mapping.",
    "mappings.jira": "Jira's mapping.",
    "mappings.ado": "Azure DevOps' mapping.",
    "weavesyncMappings": "weavesync's own mapping, same values as `mappings`, applied on top of it status by "
    "status. SpecWeave 1.0.593 reads `mappings.jira.completed` (a string) and `mappings.ado.completed` (a string "
    "or `{state}`) for its own closures, so objects (categories, reasons, labels, tags) belong here; `weavesync "
    "init` writes them here and offers to move those an older weavesync wrote under `mappings`.",
    "handedOver": "Written by `weavesync init --handover` (SpecWeave's `hooks.post_increment_done.close_*` switches "
    "as they were before it switched them off); `weavesync init --handback` restores them and removes this key.",
    "weavesyncMappings.github": "GitHub's mapping.",
    "weavesyncMappings.jira": "Jira's mapping.",
    "weavesyncMappings.ado": "Azure DevOps' mapping.",
    "github": "Where GitHub issues live when a link does not name its repository. Also read from `sync.profiles` "
    "and the legacy `sync.github` block.",
    "github.owner": "User or organization, e.g. `acme`.",
    "github.repo": "Repository name, e.g. `shop`.",
    "jira": "The Jira site and project. Also read from `sync.profiles` and the legacy `sync.jira` block.",
    "jira.domain": "The site, e.g. `acme.atlassian.net` (`JIRA_BASE_URL` overrides the URL).",
    "jira.projectKey": "The project key, e.g. `CORE`.",
    "jira.resolutions": "Resolution set by a transition into a done status, per SpecWeave status, e.g. "
    "`{\"abandoned\": \"Declined\"}`. Statuses not named keep the default.",
    "ado": "The Azure DevOps organization and project. Also read from `sync.profiles` and the legacy `sync.ado` "
    "block.",
    "ado.organization": "Organization, e.g. `acme` (`AZURE_DEVOPS_ORG_URL` overrides the URL).",
    "ado.project": "Project name, e.g. `Shop`.",
}
"""One line per schema path (``a.b`` for nested keys); the test requires one for every path the schema has."""

VALUE_DESCRIPTIONS: Mapping[str, str] = {
    "state": "The state name to write: GitHub `open`/`closed`; a Jira status name; an ADO `System.State`.",
    "category": "Jira status category (`new`, `indeterminate`, `done`) used when the workflow has no status of "
    "that name; ADO state category (`Proposed`, `InProgress`, `Resolved`, `Completed`, `Removed`) resolved to a "
    "state of the item's type.",
    "reason": "GitHub `state_reason` for closed items (`completed`, `not_planned`); a Jira resolution name.",
    "labels": "GitHub labels that must be present. Every label named anywhere in the mapping is *managed*; all "
    "other labels are left alone.",
    "tags": "Azure DevOps tags, managed the same way as labels.",
}

_DEFAULT_ATTRIBUTES: Mapping[str, str] = {
    "enabled": "enabled",
    "autoSync": "auto_sync",
    "promptUser": "prompt_user",
    "conflictResolution": "conflict_resolution",
    "completionComments": "completion_comments",
    "userStoryLinks": "user_story_sync",
    "pollIntervalSeconds": "poll_interval",
    "jira.resolutions": "jira_resolutions",
}
"""Schema path -> `SyncConfig` attribute holding its default (the defaults shown are the ones the code uses)."""


def schema_paths(schema: Mapping[str, Any] | None = None) -> list[str]:
    """Every key path of the ``sync.statusSync`` schema, in schema order (``jira.resolutions`` style)."""
    return [path for path, _node in _walk(schema or status_sync_schema(), "")]


def _walk(node: Mapping[str, Any], prefix: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    properties = node.get("properties")
    if not isinstance(properties, Mapping):
        return
    for key, child in properties.items():
        path = f"{prefix}{key}"
        yield path, child
        yield from _walk(child, f"{path}.")


def _type_text(node: Mapping[str, Any]) -> str:
    if "enum" in node:
        return "one of " + ", ".join(f"`{value}`" for value in node["enum"])
    ref = node.get("$ref")
    if isinstance(ref, str):
        return "tracker mapping" if ref.endswith("trackerMapping") else "mapping value"
    kinds = node.get("type", "any")
    text = " or ".join(kinds) if isinstance(kinds, list) else str(kinds)
    if text == "object" and "properties" not in node:
        extra = node.get("additionalProperties")
        if isinstance(extra, Mapping) and extra.get("$ref", "").endswith("trackerMapping"):
            text = "object of tracker mappings"
        elif isinstance(extra, Mapping) and "type" in extra:
            text = f"object of {extra['type']}"
    if node.get("exclusiveMinimum") is not None:
        text += f" > {node['exclusiveMinimum']}"
    return text


def _json_value(value: object) -> str:
    if isinstance(value, Mapping):
        value = {str(k): v for k, v in value.items()}
    elif isinstance(value, float) and value.is_integer():
        value = int(value)
    return "`" + json.dumps(value, ensure_ascii=False) + "`"


def _default_text(path: str) -> str:
    if path in ("mappings", "weavesyncMappings") or path.startswith(("mappings.", "weavesyncMappings.")):
        return "[see below](#default-mappings)"
    attribute = _DEFAULT_ATTRIBUTES.get(path)
    if attribute is None:
        return "—"
    return _json_value(getattr(SyncConfig(), attribute))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _keys_table() -> list[str]:
    lines = ["| key | type | default | meaning |", "|---|---|---|---|"]
    for path, node in _walk(status_sync_schema(), ""):
        meaning = node.get("description") or DESCRIPTIONS.get(path, "")
        lines.append(f"| `{path}` | {_cell(_type_text(node))} | {_default_text(path)} | {_cell(meaning)} |")
    return lines


def _values_table() -> list[str]:
    value_schema = status_sync_schema()["$defs"]["mappingValue"]
    lines = ["| field | type | meaning |", "|---|---|---|"]
    for key, node in value_schema["properties"].items():
        kind = "list of strings" if node.get("type") == "array" else str(node.get("type"))
        lines.append(f"| `{key}` | {kind} | {_cell(VALUE_DESCRIPTIONS.get(key, ''))} |")
    return lines


def target_text(tracker: Tracker, target: Target) -> str:
    """One default target as a table cell: the state (or category), then the close reason and markers."""
    if target.state is not None:
        parts = [f"`{target.state}`"]
        if tracker is Tracker.JIRA and target.category:
            parts.append(f"(else category `{target.category}`)")
    else:
        parts = [f"any `{target.category}` state"]
    if target.reason:
        word = "resolution" if tracker is Tracker.JIRA else "reason"
        parts.append(f"{word} `{target.reason}`")
    if target.markers:
        word = "tag" if tracker is Tracker.ADO else "label"
        names = ", ".join(f"`{m}`" for m in sorted(target.markers))
        parts.append(f"+ {word}{'s' if len(target.markers) > 1 else ''} {names}")
    return " ".join(parts)


def _mappings_table(mappings: Mapping[Tracker, TrackerMapping]) -> list[str]:
    trackers = list(Tracker)
    lines = ["| SpecWeave status | " + " | ".join(TRACKER_TITLES[t] for t in trackers) + " |",
             "|---|" + "---|" * len(trackers)]
    for status in Status:
        cells = [target_text(t, mappings[t].target(status)) for t in trackers]
        lines.append(f"| `{status.value}` | " + " | ".join(cells) + " |")
    return lines


def _env_table() -> list[str]:
    lines = ["| tracker | credentials | base URL (optional) | webhook secret (`serve`) |", "|---|---|---|---|"]
    for tracker in Tracker:
        tokens = " or ".join(f"`{name}`" for name in TOKEN_ENV[tracker])
        if tracker is Tracker.JIRA:
            tokens = "`JIRA_EMAIL` and " + tokens
        secrets = " or ".join(f"`{name}`" for name in WEBHOOK_SECRET_ENV[tracker])
        lines.append(f"| {TRACKER_TITLES[tracker]} | {tokens} | `{BASE_URL_ENV[tracker]}` | {secrets} |")
    return lines


def render_config_reference() -> str:
    """The whole Markdown page, deterministic (no dates), ending with one newline."""
    managed = sorted({m for mapping in default_mappings().values() for m in mapping.managed})
    lines = [
        f"<!-- Generated by `{REGENERATE}`. Do not edit by hand. -->",
        "# Configuration reference",
        "",
        "weavesync reads the `sync.statusSync` block of `.specweave/config.json`. Every key is optional; a project",
        "without the block (or without the file) uses the defaults below. `weavesync config validate` checks the",
        "block, `weavesync config schema` prints its JSON Schema, and `weavesync init` adds a commented default block.",
        "Secrets never go in this file: they come from the environment (see [below](#environment-variables)).",
        "",
        "```json",
        "{",
        '  "sync": {',
        '    "statusSync": {',
        '      "conflictResolution": "last-write-wins",',
        '      "github": {"owner": "acme", "repo": "shop"},',
        '      "jira": {"domain": "acme.atlassian.net", "projectKey": "CORE"},',
        '      "ado": {"organization": "acme", "project": "Shop"},',
        '      "mappings": {"jira": {"paused": "Blocked"}}',
        "    }",
        "  }",
        "}",
        "```",
        "",
        "## Keys of `sync.statusSync`",
        "",
        *_keys_table(),
        "",
        "## Mapping values",
        "",
        "`mappings.<tracker>.<status>` is a string (the state name; it also clears the default labels or tags) or an",
        "object that overrides only the fields it names. Status keys also accept SpecWeave's other spellings",
        "(`planned`, `in-progress`, `done`, `cancelled`).",
        "",
        *_values_table(),
        "",
        "```json",
        '"mappings": {',
        '  "github": {"paused": {"labels": ["on-hold"]}, "abandoned": {"state": "closed", "labels": []}},',
        '  "jira": {"paused": "Blocked", "ready_for_review": {"state": "Code Review", "category": "indeterminate"}},',
        '  "ado": {"paused": {"category": "InProgress", "tags": ["blocked"]}, "completed": "Done"}',
        "}",
        "```",
        "",
        "## Default mappings",
        "",
        *_mappings_table(default_mappings()),
        "",
        "Managed labels and tags of the defaults: " + ", ".join(f"`{m}`" for m in managed) + ".",
        "",
        "## Environment variables",
        "",
        "The first variable of a list that is set wins.",
        "",
        *_env_table(),
        "",
        "## JSON Schema",
        "",
        "```json",
        json.dumps(status_sync_schema(), indent=2, ensure_ascii=False),
        "```",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render_config_reference(), end="")
