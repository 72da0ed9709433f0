"""Jira admin-webhook deliveries: signature check and parsing into `WebhookEvent`s.

Admin webhooks registered with a secret carry ``X-Hub-Signature: sha256=<hex HMAC-SHA256 of the raw body>``;
the dedupe key is ``X-Atlassian-Webhook-Identifier`` (kept across retries). Only ``jira:issue_created`` and
``jira:issue_updated`` deliveries whose changelog touches status, resolution or a managed label matter for
status sync; comments and other edits are ignored.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from weavesync.errors import AuthFailed, Rejected
from weavesync.model import Tracker
from weavesync.trackers.base import WebhookEvent
from weavesync.trackers.jira.issues import changes_managed, external_state, version_of
from weavesync.trackers.payload import Fields, load_json

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
    """The status-relevant event of one verified delivery (empty for everything else); `Rejected` naming the
    field when a field the event needs has the wrong type or an impossible value."""
    payload: Any = load_json(body, tracker="jira", what="jira webhook body")
    if not isinstance(payload, dict) or payload.get("webhookEvent") not in RELEVANT_EVENTS:
        return []
    data = Fields(payload, "", "jira")
    issue = data.obj("issue")
    key = issue.text("key", numbers=True)
    if not key:
        return []
    if payload["webhookEvent"] == "jira:issue_updated" and not _touches_status(data, managed):
        return []
    fields = _checked_fields(issue.obj("fields"))
    user = data.obj("user")
    stamp = data.number("timestamp")
    delivery = _header(headers, "X-Atlassian-Webhook-Identifier") or f"{key}@{payload.get('timestamp')}"
    return [WebhookEvent(
        tracker=Tracker.JIRA, delivery_id=delivery, item=key.upper(),
        state=external_state(fields.data, managed) if "status" in fields else None,
        version=_version(fields), at=_moment(stamp),
        changed_by=user.text("emailAddress") or user.text("displayName") or user.text("accountId"),
        raw_event=str(payload["webhookEvent"]))]


def _checked_fields(fields: Fields) -> Fields:
    """`fields` once every value `external_state` reads has the type it expects."""
    status = fields.obj("status")
    status.text("name")
    status.text("id", numbers=True)
    status.obj("statusCategory").text("key")
    fields.obj("resolution").text("name")
    fields.names("labels")
    return fields


def _version(fields: Fields) -> str | None:
    try:
        return version_of(fields.text("updated")) or None
    except ValueError:
        raise Rejected(f"webhook payload field {fields.where('updated')} is not a Jira time", tracker="jira") from None


def _moment(stamp: float | None) -> datetime | None:
    """The delivery's ``timestamp`` (milliseconds since the epoch) as a time; one that no calendar holds is
    refused rather than raising OverflowError in the worker."""
    if stamp is None:
        return None
    try:
        return datetime.fromtimestamp(stamp / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise Rejected(f"webhook payload field timestamp ({stamp:g}) is not a time", tracker="jira") from None


def _touches_status(payload: Fields, managed: frozenset[str]) -> bool:
    """A status, resolution or managed-label change (the same rule `last_change` applies, plus resolution)."""
    changelog = payload.obj("changelog")
    items = changelog.objects("items")
    for item in items:
        for key in ("field", "fromString", "toString"):
            item.text(key)
    resolution = any((item.text("field") or "").casefold() == "resolution" for item in items)
    return resolution or changes_managed(changelog.data, managed)
