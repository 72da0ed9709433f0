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
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from weavesync.errors import AuthFailed, Rejected
from weavesync.model import ExternalState, Tracker, parse_utc
from weavesync.trackers.azure_devops.tags import managed_tags
from weavesync.trackers.base import WebhookEvent
from weavesync.trackers.payload import Fields, load_json

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


def _org(payload: Fields) -> str:
    containers = payload.obj("resourceContainers")
    for key in ("collection", "account", "project"):
        base = containers.obj(key).text("baseUrl")
        if base:
            path = urlsplit(base).path.strip("/")
            if path:
                return path.rsplit("/", 1)[-1]
    raise Rejected("Azure DevOps service hook payload names no organization", tracker="ado")


def _person(fields: Fields, key: str) -> str | None:
    """An identity: an object (``displayName``, ``name``) or ``Name <login>`` text."""
    if isinstance(fields.data.get(key), dict):
        person = fields.obj(key)
        return person.text("displayName") or person.text("name") or None
    value = fields.text(key)
    return value.split(" <", 1)[0] if value else None


def _time(snapshot: Fields) -> datetime | None:
    text = snapshot.text("System.ChangedDate")
    try:
        return parse_utc(text) if text else None
    except ValueError:
        raise Rejected(f"webhook payload field {snapshot.where('System.ChangedDate')} is not a time",
                       tracker="ado") from None


def parse(headers: Mapping[str, str], body: bytes, managed: frozenset[str]) -> list[WebhookEvent]:
    """The status-relevant event of one verified delivery (empty for everything else); `Rejected` naming the
    field when a field the event needs has the wrong type."""
    payload: Any = load_json(body, tracker="ado", what="Azure DevOps service hook body")
    if not isinstance(payload, dict) or payload.get("eventType") not in EVENTS:
        return []
    data = Fields(payload, "", "ado")
    resource = data.obj("resource")
    revision = resource.obj("revision") if resource.data.get("revision") else resource
    snapshot = revision.obj("fields")
    changed = resource.obj("fields")
    if payload["eventType"] == "workitem.updated" and not any(f in changed.data for f in STATUS_FIELDS):
        return []
    item_id = (resource.text("workItemId", numbers=True) or revision.text("id", numbers=True)
               or resource.text("id", numbers=True))
    project = snapshot.text("System.TeamProject")
    if not item_id or not item_id.isdigit() or not project:
        raise Rejected("Azure DevOps service hook payload names no work item", tracker="ado")
    state = snapshot.text("System.State")
    rev = resource.text("rev", numbers=True) or revision.text("rev", numbers=True)
    return [WebhookEvent(
        tracker=Tracker.ADO, delivery_id=data.text("id") or "", item=f"{_org(data)}/{project}/{int(item_id)}",
        state=ExternalState(state=state, markers=managed_tags(snapshot.text("System.Tags"), managed))
        if state else None, version=rev or None, at=_time(snapshot),
        changed_by=_person(snapshot, "System.ChangedBy") or _person(resource, "revisedBy"),
        raw_event=str(payload["eventType"]))]
