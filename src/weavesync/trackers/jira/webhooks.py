"""Jira admin-webhook deliveries: signature check and parsing into `WebhookEvent`s.

Admin webhooks registered with a secret carry ``X-Hub-Signature: sha256=<hex HMAC-SHA256 of the raw body>``;
the dedupe key is ``X-Atlassian-Webhook-Identifier`` (kept across retries). Only ``jira:issue_created`` and
``jira:issue_updated`` deliveries whose changelog touches status, resolution or a managed label matter for
status sync; comments and other edits are ignored.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from weavesync.errors import AuthFailed, Rejected
from weavesync.model import Tracker
from weavesync.trackers.base import WebhookEvent
from weavesync.trackers.jira.issues import changes_managed, external_state, version_of

RELEVANT_EVENTS = ("jira:issue_created", "jira:issue_updated")


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    return next((v for k, v in headers.items() if k.lower() == wanted), None)


def verify(headers: Mapping[str, str], body: bytes, secret: str | None) -> None:
    """Raise `AuthFailed` unless the delivery is signed with `secret` (no secret configured: nothing to check)."""
    if not secret:
        return
    given = _header(headers, "X-Hub-Signature") or ""
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(given.strip().lower(), expected):
        raise AuthFailed("jira webhook signature does not match (X-Hub-Signature)", tracker="jira",
                         hint="the webhook secret in Jira and in weavesync must be the same")


def parse(headers: Mapping[str, str], body: bytes, managed: frozenset[str]) -> list[WebhookEvent]:
    try:
        payload: Any = json.loads(body)
    except ValueError as exc:
        raise Rejected("jira webhook body is not JSON", tracker="jira") from exc
    if not isinstance(payload, dict) or payload.get("webhookEvent") not in RELEVANT_EVENTS:
        return []
    issue = payload.get("issue") or {}
    if not isinstance(issue, dict) or not issue.get("key"):
        return []
    if payload["webhookEvent"] == "jira:issue_updated" and not _touches_status(payload, managed):
        return []
    fields = issue.get("fields") or {}
    user = payload.get("user") or {}
    stamp = payload.get("timestamp")
    at = datetime.fromtimestamp(stamp / 1000, tz=UTC) if isinstance(stamp, int | float) else None
    delivery = _header(headers, "X-Atlassian-Webhook-Identifier") or f"{issue['key']}@{stamp}"
    return [WebhookEvent(
        tracker=Tracker.JIRA, delivery_id=delivery, item=str(issue["key"]).upper(),
        state=external_state(fields, managed) if fields.get("status") else None,
        version=version_of(fields.get("updated")) or None,
        changed_by=user.get("emailAddress") or user.get("displayName") or user.get("accountId"),
        at=at, raw_event=str(payload["webhookEvent"]))]


def _touches_status(payload: Mapping[str, Any], managed: frozenset[str]) -> bool:
    """A status, resolution or managed-label change (the same rule `last_change` applies, plus resolution)."""
    changelog = payload.get("changelog") or {}
    resolution = any(str(item.get("field", "")).casefold() == "resolution" for item in changelog.get("items") or [])
    return resolution or changes_managed(changelog, managed)
