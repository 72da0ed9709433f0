"""Verifying and reading GitHub webhook deliveries (``issues`` events).

Verification is HMAC-SHA256 over the *raw* body with the hook's secret, compared in constant time with
``X-Hub-Signature-256`` (re-serialising the JSON would change the bytes). Parsing keeps only what can move a
status: opened, closed, reopened, deleted, transferred, and labeled/unlabeled with a *managed* label. The
delivery GUID (``X-GitHub-Delivery``) is the dedupe key; redeliveries reuse it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

from weavesync.errors import AuthFailed, Rejected
from weavesync.model import Tracker
from weavesync.trackers.base import WebhookEvent
from weavesync.trackers.github.refs import external_state, parse_time

STATE_ACTIONS = frozenset({"opened", "closed", "reopened", "deleted", "transferred"})
LABEL_ACTIONS = frozenset({"labeled", "unlabeled"})


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(headers: Mapping[str, str], body: bytes, secret: str | None) -> None:
    """Raise `AuthFailed` unless the delivery is signed with `secret` (no secret configured: nothing to check)."""
    if not secret:
        return
    given = _lower(headers).get("x-hub-signature-256")
    if not given:
        raise AuthFailed("GitHub webhook delivery has no X-Hub-Signature-256 header", tracker="github",
                         hint="set the same secret on the repository webhook and in weavesync")
    if not hmac.compare_digest(given.strip().lower(), signature(secret, body)):
        raise AuthFailed("GitHub webhook signature does not match the configured secret", tracker="github",
                         hint="the webhook secret differs, or something changed the body on the way")


def _payload(headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
    try:
        if _lower(headers).get("content-type", "").startswith("application/x-www-form-urlencoded"):
            text = parse_qs(body.decode())["payload"][0]
            data = json.loads(text)
        else:
            data = json.loads(body)
    except (ValueError, KeyError, UnicodeDecodeError) as exc:
        raise Rejected("GitHub webhook body is not a JSON payload", tracker="github") from exc
    if not isinstance(data, dict):
        raise Rejected("GitHub webhook payload is not an object", tracker="github")
    return data


def parse(headers: Mapping[str, str], body: bytes, managed: frozenset[str]) -> list[WebhookEvent]:
    """The status-relevant events of one verified delivery (empty for everything else)."""
    lower = _lower(headers)
    if lower.get("x-github-event") != "issues":
        return []
    data = _payload(headers, body)
    action = str(data.get("action", ""))
    if action in LABEL_ACTIONS:
        name = str((data.get("label") or {}).get("name", ""))
        if name.casefold() not in {m.casefold() for m in managed}:
            return []
    elif action not in STATE_ACTIONS:
        return []
    issue = data.get("issue") or {}
    repository = data.get("repository") or {}
    full_name = repository.get("full_name")
    if not isinstance(issue, dict) or not full_name or "number" not in issue:
        raise Rejected("GitHub issues payload without issue number or repository", tracker="github")
    gone = action in ("deleted", "transferred")
    when = parse_time(issue.get("closed_at")) if action == "closed" else parse_time(issue.get("updated_at"))
    return [WebhookEvent(
        tracker=Tracker.GITHUB, delivery_id=lower.get("x-github-delivery", ""),
        item=f"{full_name}#{issue['number']}", state=None if gone else external_state(issue, managed),
        version=None if gone else issue.get("updated_at"),
        changed_by=(data.get("sender") or {}).get("login"), at=when, raw_event=f"issues.{action}",
    )]
