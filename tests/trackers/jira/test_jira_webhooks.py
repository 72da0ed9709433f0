"""Webhook verification and parsing: the real capture (unit) and a signed sandbox delivery (integration)."""

from __future__ import annotations

import hashlib
import hmac
import http.server
import json
import threading
from pathlib import Path

import httpx
import pytest
from jira_adapter_helpers import move

from sandbox_clients import adf, new_jira_issue
from weavesync.errors import AuthFailed
from weavesync.trackers.jira import KIND
from weavesync.trackers.jira.issues import version_of

FIXTURE = Path(__file__).parents[2] / "data" / "jira" / "jira_issue_updated.status-change.zulip-fixture.json"


def _signed(body: bytes, secret: str) -> dict[str, str]:
    return {"X-Hub-Signature": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest(),
            "X-Atlassian-Webhook-Identifier": "delivery-1"}


def test_real_capture_parses_to_a_status_event() -> None:
    body = FIXTURE.read_bytes()
    (event,) = KIND.parse_webhook({"X-Atlassian-Webhook-Identifier": "abc"}, body, frozenset())
    assert event.item == "TEST-1" and event.delivery_id == "abc" and event.raw_event == "jira:issue_updated"
    assert event.state is not None and event.state.state == "In Progress"
    assert event.state.category == "indeterminate" and event.state.state_id == "3"
    assert event.version == "2017-01-30T17:32:14.716Z"  # +0100 normalised to UTC
    assert event.changed_by == "othello@zulip.com"


def test_signature_is_checked_over_the_raw_body() -> None:
    body = FIXTURE.read_bytes()
    KIND.verify_webhook(_signed(body, "s3cret"), body, "s3cret")
    with pytest.raises(AuthFailed):
        KIND.verify_webhook(_signed(body, "other"), body, "s3cret")
    with pytest.raises(AuthFailed):
        KIND.verify_webhook(_signed(body, "s3cret"), body + b" ", "s3cret")
    with pytest.raises(AuthFailed):
        KIND.verify_webhook({}, body, "s3cret")


def test_edits_that_do_not_touch_status_are_ignored() -> None:
    payload = json.loads(FIXTURE.read_text())
    payload["changelog"]["items"] = [{"field": "summary", "fromString": "a", "toString": "b"}]
    assert KIND.parse_webhook({}, json.dumps(payload).encode(), frozenset()) == []
    payload["changelog"]["items"] = [{"field": "labels", "fromString": "x", "toString": "x paused"}]
    assert len(KIND.parse_webhook({}, json.dumps(payload).encode(), frozenset({"paused"}))) == 1
    payload["webhookEvent"] = "comment_created"
    assert KIND.parse_webhook({}, json.dumps(payload).encode(), frozenset({"paused"})) == []


def test_sandbox_delivery_verifies_and_parses(url: str, alice: httpx.Client) -> None:
    received: list[tuple[dict[str, str], bytes]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            received.append((dict(self.headers.items()), body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return None

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    key = new_jira_issue(alice, "hooked")
    hook = alice.post("/rest/webhooks/1.0/webhook", json={
        "name": "weavesync", "url": f"http://127.0.0.1:{server.server_address[1]}/", "secret": "hooksecret",
        "events": ["jira:issue_updated"], "filters": {"issue-related-events-section": f"key = {key}"}}).json()
    try:
        alice.post(f"/rest/api/3/issue/{key}/comment", json={"body": adf("not a status change")})
        move(alice, key, "11")
        httpx.post(f"{url}/_sandbox/webhooks/flush", json={})
    finally:
        alice.delete(f"/rest/webhooks/1.0/webhook/{hook['self'].rsplit('/', 1)[1]}")
        server.shutdown()
        server.server_close()
    events = []
    for headers, body in received:
        KIND.verify_webhook(headers, body, "hooksecret")
        events += KIND.parse_webhook(headers, body, frozenset())
    assert len(received) == 2 and len(events) == 1  # the comment delivery is not a status event
    assert events[0].item == key and events[0].state is not None and events[0].state.state == "In Progress"
    assert events[0].changed_by == "alice@acme.example"
    current = alice.get(f"/rest/api/3/issue/{key}", params={"fields": "updated"}).json()["fields"]["updated"]
    assert KIND.version_key(events[0].version or "") == KIND.version_key(version_of(current))
