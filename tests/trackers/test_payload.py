"""Webhook payloads read defensively: every tracker's parser turns a wrongly typed field into one `Rejected`
naming the field (never an AttributeError or OverflowError), and nesting is bounded before json recurses."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from weavesync.errors import Rejected
from weavesync.trackers.azure_devops import webhooks as ado
from weavesync.trackers.base import WebhookEvent
from weavesync.trackers.github import webhooks as github
from weavesync.trackers.jira import webhooks as jira
from weavesync.trackers.payload import MAX_DEPTH, Fields, load_json, too_deep

Parser = Callable[[Mapping[str, str], bytes, frozenset[str]], list[WebhookEvent]]
ISSUE = {"number": 1, "state": "closed", "labels": [{"name": "in-progress"}], "updated_at": "2026-11-24T10:31:02Z",
         "closed_at": "2026-11-24T10:31:02Z"}
GITHUB = {"action": "closed", "issue": ISSUE, "repository": {"full_name": "acme/shop"}, "sender": {"login": "alice"}}
JIRA = {"webhookEvent": "jira:issue_updated", "timestamp": 1764000000000,
        "issue": {"key": "CORE-1", "fields": {"status": {"name": "Done", "id": "10001",
                                                         "statusCategory": {"key": "done"}}}},
        "changelog": {"items": [{"field": "status", "fromString": "To Do", "toString": "Done"}]}}
ADO = {"id": "e-1", "eventType": "workitem.updated",
       "resource": {"workItemId": 7, "rev": 3, "fields": {"System.State": {"newValue": "Closed"}},
                    "revision": {"fields": {"System.TeamProject": "Shop", "System.State": "Closed",
                                            "System.ChangedDate": "2026-11-24T10:31:02Z"}}},
       "resourceContainers": {"project": {"baseUrl": "https://dev.azure.com/acme/"}}}
CASES: dict[str, tuple[Parser, dict[str, str], dict[str, Any]]] = {
    "github": (github.parse, {"X-GitHub-Event": "issues"}, GITHUB),
    "jira": (jira.parse, {}, JIRA),
    "ado": (ado.parse, {}, ADO),
}


def put(payload: dict[str, Any], path: str, value: object) -> dict[str, Any]:
    """A deep copy of `payload` with the field at dotted `path` replaced."""
    copy: dict[str, Any] = json.loads(json.dumps(payload))
    *parents, last = path.split(".")
    where = copy
    for key in parents:
        where = where[key]
    where[last] = value
    return copy


@pytest.mark.parametrize("tracker", sorted(CASES))
def test_the_well_formed_payload_parses(tracker: str) -> None:
    parse, headers, payload = CASES[tracker]
    [event] = parse(headers, json.dumps(payload).encode(), frozenset({"in-progress"}))
    assert event.item in ("acme/shop#1", "CORE-1", "acme/Shop/7")


@pytest.mark.parametrize(("tracker", "path", "value", "named"), [
    ("github", "action", 5, "action"),
    ("github", "issue", [], "issue"),
    ("github", "issue.labels", "in-progress", "issue.labels"),
    ("github", "issue.labels", [7], "issue.labels[0]"),
    ("github", "issue.closed_at", "yesterday", "issue.closed_at"),
    ("github", "issue.state", {"open": True}, "issue.state"),
    ("github", "sender", "alice", "sender"),
    ("jira", "timestamp", 1e300, "timestamp"),
    ("jira", "timestamp", "now", "timestamp"),
    ("jira", "issue.fields", [], "issue.fields"),
    ("jira", "issue.fields.status", "Done", "issue.fields.status"),
    ("jira", "issue.fields.status.statusCategory", "done", "issue.fields.status.statusCategory"),
    ("jira", "changelog.items", {"field": "status"}, "changelog.items"),
    ("jira", "user", "alice", "user"),
    ("ado", "resource", "boom", "resource"),
    ("ado", "resource.revision.fields", [], "resource.revision.fields"),
    ("ado", "resource.revision.fields.System.State", {"x": 1}, "System.State"),
    ("ado", "resource.revision.fields.System.ChangedDate", 5, "System.ChangedDate"),
    ("ado", "resourceContainers", "acme", "resourceContainers"),
])
def test_a_wrongly_typed_field_is_rejected_by_name(tracker: str, path: str, value: object, named: str) -> None:
    parse, headers, payload = CASES[tracker]
    if path.startswith("resource.revision.fields.System."):  # ADO field names contain dots
        payload = json.loads(json.dumps(payload))
        payload["resource"]["revision"]["fields"][path.rsplit(".", 2)[-2] + "." + path.rsplit(".", 1)[-1]] = value
    else:
        payload = put(payload, path, value)
    with pytest.raises(Rejected) as rejected:
        parse(headers, json.dumps(payload).encode(), frozenset({"in-progress"}))
    assert named in rejected.value.message and "\n" not in rejected.value.message


@pytest.mark.parametrize("tracker", sorted(CASES))
def test_a_deeply_nested_body_is_rejected_before_json_recurses(tracker: str) -> None:
    parse, headers, _ = CASES[tracker]
    with pytest.raises(Rejected, match=f"deeper than {MAX_DEPTH}"):
        parse(headers, b"[" * 100_000, frozenset())


def test_depth_counts_brackets_outside_strings_only() -> None:
    assert not too_deep(json.dumps({"text": "[" * 500}).encode())
    nested: object = 1
    for _ in range(MAX_DEPTH):
        nested = [nested]
    assert not too_deep(json.dumps(nested).encode())
    assert too_deep(json.dumps([nested]).encode())
    assert load_json(json.dumps(nested), tracker="github", what="body") == nested


def test_fields_read_absent_values_as_empty() -> None:
    fields = Fields({"a": None}, "", "github")
    assert (fields.text("a"), fields.number("b"), fields.objects("c"), fields.names("d")) == (None, None, [], [])
    assert fields.obj("a").data == {} and "a" not in fields
    assert Fields({"n": 7}, "x", "jira").text("n", numbers=True) == "7"
    with pytest.raises(Rejected, match=r"x\.n is a boolean"):
        Fields({"n": True}, "x", "jira").text("n", numbers=True)
