"""JSON Schema (draft 2020-12) for ``sync.statusSync`` in ``.specweave/config.json``.

It extends FS-031's block (``sw@ff449c1d: src/core/schemas/specweave-config.schema.json``) without breaking
configs written for it, with two deliberate differences: no status key is required (unnamed statuses keep the
defaults), and the block may carry weavesync's own keys (``completionComments``, ``userStoryLinks``,
``pollIntervalSeconds``, per-tracker places and ``jira.resolutions``). Unknown keys of the block itself are left
to `validate_config`, which warns about them rather than failing, so a newer SpecWeave key never stops a sync.

The schema checks shapes only. Meanings (GitHub states, ADO categories, status names, collisions) are checked by
`weavesync.config.validate`, which reports them with the same JSON paths.
"""

from __future__ import annotations

from typing import Any

CONFLICT_RESOLUTIONS = ("prompt", "last-write-wins", "specweave-wins", "external-wins")
USER_STORY_SYNC = ("outbound", "both")

_NAME = {"type": "string", "minLength": 1}
_NAMES = {"type": "array", "items": _NAME, "uniqueItems": True}


def _tracker_mappings(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "type": "object",
        "properties": {
            "github": {"$ref": "#/$defs/trackerMapping"},
            "jira": {"$ref": "#/$defs/trackerMapping"},
            "ado": {"$ref": "#/$defs/trackerMapping"},
        },
        "additionalProperties": {"$ref": "#/$defs/trackerMapping"},
    }


def status_sync_schema() -> dict[str, Any]:
    """A fresh copy of the schema (callers may annotate or embed it without affecting others)."""
    mapping_value: dict[str, Any] = {
        "description": "A state name, or {state?, category?, reason?, labels?, tags?} overriding parts of the "
        "default target.",
        "type": ["string", "object"],
        "minLength": 1,
        "minProperties": 1,
        "properties": {
            "state": _NAME,
            "category": _NAME,
            "reason": _NAME,
            "labels": _NAMES,
            "tags": _NAMES,
        },
        "additionalProperties": False,
    }
    tracker_mapping = {
        "description": "SpecWeave status -> target; statuses not named keep the defaults.",
        "type": "object",
        "additionalProperties": {"$ref": "#/$defs/mappingValue"},
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://weavesync.dev/schemas/status-sync.json",
        "title": "sync.statusSync",
        "type": "object",
        "properties": {
            "enabled": {"type": "boolean"},
            "autoSync": {"type": "boolean"},
            "promptUser": {"type": "boolean"},
            "conflictResolution": {"enum": list(CONFLICT_RESOLUTIONS)},
            "completionComments": {"type": "boolean"},
            "userStoryLinks": {"enum": list(USER_STORY_SYNC)},
            "pollIntervalSeconds": {"type": "number", "exclusiveMinimum": 0},
            "mappings": _tracker_mappings("Read by SpecWeave too (jira.completed as a string, ado.completed as a "
                                          "string or {state}): weavesync init writes only strings here."),
            "weavesyncMappings": _tracker_mappings("weavesync's own mapping (SpecWeave does not read it), applied "
                                                   "on top of mappings status by status."),
            "handedOver": {
                "description": "Written by `weavesync init --handover`: what SpecWeave's closers were, for --handback.",
                "type": "object",
            },
            "github": {
                "type": "object",
                "properties": {"owner": _NAME, "repo": _NAME},
            },
            "jira": {
                "type": "object",
                "properties": {
                    "domain": _NAME,
                    "projectKey": _NAME,
                    "resolutions": {"type": "object", "additionalProperties": _NAME},
                },
            },
            "ado": {
                "type": "object",
                "properties": {"organization": _NAME, "project": _NAME},
            },
        },
        "$defs": {"mappingValue": mapping_value, "trackerMapping": tracker_mapping},
    }
