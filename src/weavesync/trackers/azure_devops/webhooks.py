"""Azure DevOps service-hook deliveries: checking them and reading the status change out of them.

Service hooks carry no signature. A subscription authenticates itself with the basic-auth credentials set on it
(``basicAuthUsername`` / ``basicAuthPassword``), so `verify` compares the ``Authorization`` header with the
configured secret, ``user:password`` or just the password, in constant time.

`parse` follows the real dev.azure.com capture (not the docs sample, which has ``workItemId: 0`` and strings for
numbers): the id from ``resource.workItemId`` (falling back to ``resource.revision.id``), the state and tags from
``resource.revision.fields`` (the snapshot after the change), the version from ``resource.rev``, and the event
``id`` as the delivery id (the dedupe key). A payload names no state category; callers that need it re-read the
item (`read_many`), which also confirms the delivery.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from weavesync.errors import AuthFailed, Rejected
from weavesync.model import ExternalState, Tracker, parse_utc
from weavesync.trackers.azure_devops.tags import managed_tags
from weavesync.trackers.base import WebhookEvent

EVENTS = frozenset({"workitem.updated", "workitem.created"})
STATUS_FIELDS = ("System.State", "System.Tags")


def verify(headers: Mapping[str, str], body: bytes, secret: str | None) -> None:
    """Raise `AuthFailed` unless the delivery's basic auth matches `secret` (no secret configured: accepted)."""
    if not secret:
        return
    lowered = {k.lower(): v for k, v in headers.items()}
    scheme, _, value = lowered.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        raise AuthFailed("Azure DevOps service hook delivery without basic auth", tracker="ado", status=401,
                         hint="set basicAuthUsername/basicAuthPassword on the service hook subscription")
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise AuthFailed("Azure DevOps service hook delivery with malformed basic auth", tracker="ado",
                         status=401) from exc
    given = decoded if ":" in secret else decoded.partition(":")[2]
    if not hmac.compare_digest(given.encode(), secret.encode()):
        raise AuthFailed("Azure DevOps service hook delivery with wrong credentials", tracker="ado", status=401,
                         hint="the subscription's basic auth must match the configured webhook secret")


def _org(payload: dict[str, Any]) -> str:
    containers = payload.get("resourceContainers") or {}
    for key in ("collection", "account", "project"):
        base = (containers.get(key) or {}).get("baseUrl")
        if base:
            path = urlsplit(str(base)).path.strip("/")
            if path:
                return path.rsplit("/", 1)[-1]
    raise Rejected("Azure DevOps service hook payload names no organization", tracker="ado")


def _person(value: object) -> str | None:
    if isinstance(value, dict):
        return str(value.get("displayName") or value.get("name") or "") or None
    if isinstance(value, str) and value:
        return value.split(" <", 1)[0]
    return None


def parse(headers: Mapping[str, str], body: bytes, managed: frozenset[str]) -> list[WebhookEvent]:
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise Rejected("Azure DevOps service hook body is not JSON", tracker="ado") from exc
    if not isinstance(payload, dict) or payload.get("eventType") not in EVENTS:
        return []
    resource = payload.get("resource") or {}
    revision = resource.get("revision") or resource
    snapshot = revision.get("fields") or {}
    changed = resource.get("fields") or {}
    if payload["eventType"] == "workitem.updated" and not any(f in changed for f in STATUS_FIELDS):
        return []
    item_id = resource.get("workItemId") or revision.get("id") or resource.get("id")
    project = snapshot.get("System.TeamProject")
    if not item_id or not project:
        raise Rejected("Azure DevOps service hook payload names no work item", tracker="ado")
    markers = managed_tags(snapshot.get("System.Tags"), managed)
    state = snapshot.get("System.State")
    changed_at = snapshot.get("System.ChangedDate")
    return [WebhookEvent(
        tracker=Tracker.ADO, delivery_id=str(payload.get("id") or ""),
        item=f"{_org(payload)}/{project}/{int(item_id)}",
        state=ExternalState(state=str(state), markers=markers) if state else None,
        version=str(resource.get("rev") or revision.get("rev") or "") or None,
        changed_by=_person(snapshot.get("System.ChangedBy")) or _person(resource.get("revisedBy")),
        at=parse_utc(str(changed_at)) if changed_at else None, raw_event=str(payload["eventType"]))]
