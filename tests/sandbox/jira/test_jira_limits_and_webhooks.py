"""Admin webhooks (signed, filtered, in the real payload's shape), the burst rate limit and injected faults."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import httpx
from jira_sandbox_helpers import Receiver

from sandbox_clients import adf, new_jira_issue

FIXTURE = Path(__file__).parents[2] / "data" / "jira" / "jira_issue_updated.status-change.zulip-fixture.json"


def _register(bot: httpx.Client, url: str, **extra: object) -> int:
    body = {"name": "weavesync", "url": url, "events": ["jira:issue_updated"], **extra}
    response = bot.post("/rest/webhooks/1.0/webhook", json=body)
    assert response.status_code == 201, response.text
    return int(response.json()["self"].rsplit("/", 1)[1])


def test_signed_delivery_in_the_real_shape(jira_url: str, bot: httpx.Client, receiver: Receiver) -> None:
    key = new_jira_issue(bot)
    hook = _register(bot, receiver.url, secret="s3cret", filters={"issue-related-events-section": f"key = {key}"})
    try:
        assert bot.post(f"/rest/api/3/issue/{key}/transitions", json={"transition": {"id": "11"}}).status_code == 204
        other = new_jira_issue(bot)
        bot.post(f"/rest/api/3/issue/{other}/transitions", json={"transition": {"id": "11"}})
        assert httpx.post(f"{jira_url}/_sandbox/webhooks/flush", json={}).json()["drained"] is True
    finally:
        bot.delete(f"/rest/webhooks/1.0/webhook/{hook}")
    assert len(receiver.received) == 1  # the JQL filter kept the other issue out
    headers, body = receiver.received[0]
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers["x-hub-signature"] == expected
    assert headers["x-atlassian-webhook-identifier"]
    payload = json.loads(body)
    real = json.loads(FIXTURE.read_text())
    assert set(real) <= set(payload)
    assert payload["webhookEvent"] == "jira:issue_updated" and payload["issue"]["key"] == key
    assert payload["changelog"]["items"][0]["toString"] == "In Progress"
    assert set(real["changelog"]["items"][0]) <= set(payload["changelog"]["items"][0])
    assert payload["issue"]["fields"]["status"]["statusCategory"]["key"] == "indeterminate"


def test_comment_delivers_issue_updated_with_comment(jira_url: str, bot: httpx.Client, receiver: Receiver) -> None:
    key = new_jira_issue(bot)
    hook = _register(bot, receiver.url, filters={"issue-related-events-section": f"key = {key}"})
    try:
        bot.post(f"/rest/api/3/issue/{key}/comment", json={"body": adf("hello")})
        httpx.post(f"{jira_url}/_sandbox/webhooks/flush", json={})
    finally:
        bot.delete(f"/rest/webhooks/1.0/webhook/{hook}")
    (headers, body), = receiver.received
    assert "x-hub-signature" not in headers
    payload = json.loads(body)
    assert payload["issue_event_type_name"] == "issue_commented" and payload["comment"]["body"] == "hello"


def test_webhook_registration_is_validated(bot: httpx.Client) -> None:
    assert bot.post("/rest/webhooks/1.0/webhook", json={"url": "ftp://x", "events": ["jira:issue_updated"]}
                    ).status_code == 400
    assert bot.post("/rest/webhooks/1.0/webhook", json={"url": "http://x", "events": ["nope"]}).status_code == 400
    assert bot.post("/rest/api/3/webhook", json={"url": "http://x", "webhooks": []}).status_code == 403


def test_burst_limit_gives_429_with_jira_headers(jira_url: str, bot: httpx.Client) -> None:
    httpx.post(f"{jira_url}/_sandbox/ratelimit", json={"limit": 2, "window_seconds": 60})
    codes = [bot.get("/rest/api/3/myself") for _ in range(3)]
    assert [r.status_code for r in codes] == [200, 200, 429]
    limited = codes[2]
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert limited.headers["ratelimit-reason"] == "jira-burst-based"
    assert limited.headers["x-ratelimit-reset"].endswith("Z")
    assert codes[0].headers["x-ratelimit-limit"] == "2"


def test_injected_faults_use_the_error_collection(jira_url: str, bot: httpx.Client) -> None:
    httpx.post(f"{jira_url}/_sandbox/script", json={"kind": "503", "path": "/rest/api/3/myself"})
    response = bot.get("/rest/api/3/myself")
    assert response.status_code == 503 and response.json()["errorMessages"]
    assert bot.get("/rest/api/3/myself").status_code == 200
