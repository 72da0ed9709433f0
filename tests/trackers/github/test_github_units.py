"""The pure parts of the GitHub adapter, without a network: refs, versions, states, rate-limit tests, webhooks."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from weavesync.errors import AuthFailed, Rejected, Retryable
from weavesync.model import Connection, ExternalState, Secret, Tracker
from weavesync.trackers.github import KIND, GitHubAdapter
from weavesync.trackers.github.client import is_rate_limited, next_link
from weavesync.trackers.github.refs import external_state, increment_marker, op_marker, version_key
from weavesync.trackers.http import Governor, classify

DATA = Path(__file__).parents[2] / "data" / "github" / "webhooks"


@pytest.mark.parametrize("text", ["acme/shop#12", " acme/shop#12 ", "https://github.com/acme/shop/issues/12",
                                  "https://api.github.com/repos/acme/shop/issues/12"])
def test_parse_item_accepts_refs_and_urls(text: str) -> None:
    assert KIND.parse_item(text) == "acme/shop#12"


@pytest.mark.parametrize("text", ["acme/shop", "acme#12", "acme/shop#0", "acme/shop#x", "jira:CORE-1"])
def test_parse_item_rejects_malformed(text: str) -> None:
    with pytest.raises(ValueError):
        KIND.parse_item(text)


def test_item_url_for_github_enterprise_and_sandbox() -> None:
    public = Connection(tracker=Tracker.GITHUB, base_url="https://api.github.com")
    enterprise = Connection(tracker=Tracker.GITHUB, base_url="https://git.acme.example/api/v3")
    assert KIND.item_url(public, "acme/shop#3") == "https://github.com/acme/shop/issues/3"
    assert KIND.item_url(enterprise, "acme/shop#3") == "https://git.acme.example/acme/shop/issues/3"
    assert KIND.item_url(None, "acme/shop#3") == "https://github.com/acme/shop/issues/3"


def test_version_key_orders_by_time() -> None:
    versions = ["2026-11-24T10:31:02Z", "2026-11-24T09:00:00Z", "2026-11-25T00:00:00+00:00"]
    assert sorted(versions, key=KIND.version_key) == [versions[1], versions[0], versions[2]]
    assert version_key("garbage") < version_key("2020-01-01T00:00:00Z")


def test_external_state_keeps_only_managed_labels_and_close_reason() -> None:
    issue = {"state": "closed", "state_reason": "not_planned",
             "labels": [{"name": "Wontfix"}, {"name": "customer-x"}, "bug"]}
    assert external_state(issue, frozenset({"wontfix", "bug"})) == ExternalState(
        "closed", "not_planned", markers=frozenset({"Wontfix", "bug"}))
    reopened = {"state": "open", "state_reason": "reopened", "labels": []}
    assert external_state(reopened, frozenset()) == ExternalState("open")


def test_markers_are_hidden_html_comments() -> None:
    assert op_marker("abc") == "<!-- weavesync:op=abc -->"
    assert increment_marker("0042-checkout") == "<!-- weavesync:increment=0042-checkout -->"
    assert increment_marker("<!-- custom -->") == "<!-- custom -->"


def _response(status: int, headers: dict[str, str], body: object = None) -> httpx.Response:
    request = httpx.Request("GET", "https://api.github.com/repos/acme/shop/issues/1")
    return httpx.Response(status, headers=headers, json=body or {"message": "x"}, request=request)


@pytest.mark.parametrize(("status", "headers", "expected"), [
    (403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "2000000000"}, True),
    (403, {"retry-after": "60", "x-ratelimit-remaining": "4000"}, True),
    (429, {"retry-after": "1"}, True),
    (403, {"x-ratelimit-remaining": "4000"}, False),
    (404, {"retry-after": "60"}, False),
])
def test_is_rate_limited(status: int, headers: dict[str, str], expected: bool) -> None:
    assert is_rate_limited(_response(status, headers)) is expected


def test_classify_403_forbidden_vs_limited() -> None:
    limited = classify(_response(403, {"retry-after": "12"}), tracker="github", is_rate_limited=is_rate_limited)
    assert isinstance(limited, Retryable) and limited.retry_after == 12
    refused = classify(_response(403, {"x-ratelimit-remaining": "10"}, {"message": "Resource not accessible"}),
                       tracker="github", is_rate_limited=is_rate_limited)
    assert isinstance(refused, AuthFailed)


def test_next_link() -> None:
    link = ('<https://api.github.com/repositories/1/issues?page=2>; rel="next", '
            '<https://api.github.com/repositories/1/issues?page=5>; rel="last"')
    assert next_link(_response(200, {"link": link}, [])) == "https://api.github.com/repositories/1/issues?page=2"
    assert next_link(_response(200, {}, [])) is None


def test_adapter_repr_and_errors_never_show_the_token() -> None:
    token = "ghp_secretSecretSecret000000000000000000"
    conn = Connection(tracker=Tracker.GITHUB, base_url="https://api.github.com",
                      place={"owner": "acme", "repo": "shop"}, token=Secret(token))
    adapter = GitHubAdapter(conn, governor=Governor())
    assert token not in repr(adapter) and token not in repr(conn) and token not in repr(adapter.client.http)
    adapter.close()


def test_adapter_without_token_is_auth_failed() -> None:
    with pytest.raises(AuthFailed):
        GitHubAdapter(Connection(tracker=Tracker.GITHUB, base_url="https://api.github.com"))


def test_verify_webhook_with_githubs_test_vector() -> None:
    vector = json.loads((DATA / "signature-test-vector.json").read_text())
    body = vector["payload"].encode()
    KIND.verify_webhook({"X-Hub-Signature-256": vector["X-Hub-Signature-256"]}, body, vector["secret"])
    with pytest.raises(AuthFailed):
        KIND.verify_webhook({"X-Hub-Signature-256": vector["X-Hub-Signature-256"]}, body + b"!", vector["secret"])
    with pytest.raises(AuthFailed):
        KIND.verify_webhook({}, body, vector["secret"])
    KIND.verify_webhook({}, body, None)


def _example(name: str) -> bytes:
    return (DATA / "payload-examples" / f"{name}.payload.json").read_bytes()


def test_parse_labeled_only_for_managed_labels() -> None:
    headers = {"X-GitHub-Event": "issues", "X-GitHub-Delivery": "d-1"}
    body = _example("issues.labeled")
    assert KIND.parse_webhook(headers, body, frozenset({"in-progress"})) == []
    [event] = KIND.parse_webhook(headers, body, frozenset({"bug"}))
    assert event.item == "Codertocat/Hello-World#1" and event.delivery_id == "d-1"
    assert event.state == ExternalState("open", markers=frozenset({"bug"}))
    assert event.changed_by == "Codertocat" and event.raw_event == "issues.labeled"


def test_parse_reopened_does_not_trust_closed_at() -> None:
    [event] = KIND.parse_webhook({"x-github-event": "issues"}, _example("issues.reopened"), frozenset())
    assert event.state == ExternalState("open")


def test_parse_deleted_has_no_state_and_edits_are_ignored() -> None:
    [gone] = KIND.parse_webhook({"x-github-event": "issues"}, _example("issues.deleted"), frozenset())
    assert gone.state is None and gone.version is None
    assert KIND.parse_webhook({"x-github-event": "issues"}, _example("issues.edited"), frozenset()) == []
    assert KIND.parse_webhook({"x-github-event": "issue_comment"}, _example("issue_comment.created"),
                              frozenset()) == []


def test_parse_form_encoded_and_closed() -> None:
    payload = json.loads(_example("issues.opened"))
    payload["action"] = "closed"
    payload["issue"] |= {"state": "closed", "state_reason": "completed", "closed_at": "2026-11-24T10:31:02Z"}
    body = urlencode({"payload": json.dumps(payload)}).encode()
    headers = {"X-GitHub-Event": "issues", "Content-Type": "application/x-www-form-urlencoded"}
    [event] = KIND.parse_webhook(headers, body, frozenset())
    assert event.state == ExternalState("closed", "completed")
    assert event.at is not None and event.at.isoformat().startswith("2026-11-24T10:31:02")


def test_parse_garbage_is_rejected() -> None:
    with pytest.raises(Rejected):
        KIND.parse_webhook({"X-GitHub-Event": "issues"}, b"not json", frozenset())
