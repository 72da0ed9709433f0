"""Verifying and reading GitHub webhook deliveries (``issues`` events).

Verification is HMAC-SHA256 over the *raw* body with the hook's secret, compared in constant time with
``X-Hub-Signature-256`` (re-serialising the JSON would change the bytes). Parsing keeps only what can move a
status: opened, closed, reopened, deleted, transferred, and labeled/unlabeled with a *managed* label. The
delivery GUID (``X-GitHub-Delivery``) is the dedupe key; redeliveries reuse it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import parse_qs

from weavesync.errors import AuthFailed, Rejected
from weavesync.model import Tracker
from weavesync.trackers.base import WebhookEvent
from weavesync.trackers.github.refs import external_state, parse_time
from weavesync.trackers.payload import Fields, load_json

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


def _payload(headers: Mapping[str, str], body: bytes) -> Fields:
    what = "GitHub webhook body"
    if _lower(headers).get("content-type", "").startswith("application/x-www-form-urlencoded"):
        try:
            form = parse_qs(body.decode())["payload"][0]
        except (KeyError, UnicodeDecodeError) as exc:
            raise Rejected(f"{what} has no payload= form field", tracker="github") from exc
        return Fields(load_json(form, tracker="github", what=what), "", "github")
    return Fields(load_json(body, tracker="github", what=what), "", "github")


def _time(fields: Fields, key: str) -> datetime | None:
    text = fields.text(key)
    try:
        return parse_time(text)
    except ValueError:
        raise Rejected(f"webhook payload field {fields.where(key)} is not an ISO 8601 time", tracker="github") from None


def parse(headers: Mapping[str, str], body: bytes, managed: frozenset[str]) -> list[WebhookEvent]:
    """The status-relevant events of one verified delivery (empty for everything else); `Rejected` naming the
    field when a field the event needs has the wrong type."""
    lower = _lower(headers)
    if lower.get("x-github-event") != "issues":
        return []
    data = _payload(headers, body)
    action = data.text("action") or ""
    if action in LABEL_ACTIONS:
        name = data.obj("label").text("name") or ""
        if name.casefold() not in {m.casefold() for m in managed}:
            return []
    elif action not in STATE_ACTIONS:
        return []
    issue = data.obj("issue")
    full_name = data.obj("repository").text("full_name")
    number = issue.text("number", numbers=True)
    if not full_name or not number or not number.isdigit():
        raise Rejected("GitHub issues payload without issue number or repository", tracker="github")
    gone = action in ("deleted", "transferred")
    if not gone and not issue.text("state"):
        raise Rejected("GitHub issues payload without issue.state", tracker="github")
    issue.text("state_reason")
    issue.names("labels")  # checked here; external_state reads them
    when = _time(issue, "closed_at") if action == "closed" else _time(issue, "updated_at")
    updated = issue.text("updated_at")
    return [WebhookEvent(
        tracker=Tracker.GITHUB, delivery_id=lower.get("x-github-delivery", ""),
        item=f"{full_name}#{number}", state=None if gone else external_state(dict(issue.data), managed),
        version=None if gone else updated, changed_by=data.obj("sender").text("login"), at=when,
        raw_event=f"issues.{action}",
    )]
