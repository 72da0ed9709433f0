"""Service-hook subscriptions (``{org}/_apis/hooks/subscriptions``) and their deliveries.

Only the Web Hooks consumer (``webHooks`` / ``httpRequest``) is modelled, with its inputs ``url``,
``basicAuthUsername``, ``basicAuthPassword``, ``httpHeaders`` (``Name:Value`` lines) and ``resourceDetailsToSend``.
Deliveries carry no signature, as on the service: receivers authenticate them by the basic-auth credentials or a
secret header. The payload follows the real dev.azure.com capture (tests/data/azure_devops), not the docs sample:
a real ``workItemId``, numeric ``System.Rev``, ``revisedDate`` 9999-01-01 and ``baseUrl`` in the containers.
One deviation: the service only posts to public HTTPS URLs; the sandbox also allows http on loopback.
"""

from __future__ import annotations

import base64
import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from weavesync.sandbox.azure_devops import render
from weavesync.sandbox.azure_devops.errors import bad_request
from weavesync.sandbox.azure_devops.model import AdoState, Identity, WorkItem, iso
from weavesync.sandbox.webhooks import WebhookDispatcher

EVENTS = ("workitem.updated", "workitem.created", "workitem.commented")
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass
class Subscription:
    id: str
    event_type: str
    publisher_inputs: dict[str, str]
    consumer_inputs: dict[str, str]
    created_by: Identity
    created_date: str
    notifications: int = 0
    raw: dict[str, Any] = field(default_factory=dict)


def _input_error(message: str) -> Exception:
    return bad_request(message, "SubscriptionInputException")


def _validate(body: Any) -> tuple[str, dict[str, str], dict[str, str]]:
    if not isinstance(body, dict):
        raise bad_request("Value cannot be null.\r\nParameter name: subscription", "ArgumentNullException")
    if body.get("publisherId") != "tfs":
        raise _input_error(f"Publisher '{body.get('publisherId')}' is not supported. Supported: tfs.")
    event = body.get("eventType")
    if event not in EVENTS:
        raise _input_error(f"Event type '{event}' is not supported by publisher 'tfs' in the sandbox.")
    if body.get("consumerId") != "webHooks" or body.get("consumerActionId", "httpRequest") != "httpRequest":
        raise _input_error("Only the webHooks consumer with the httpRequest action is supported.")
    consumer = {str(k): str(v) for k, v in (body.get("consumerInputs") or {}).items()}
    publisher = {str(k): str(v) for k, v in (body.get("publisherInputs") or {}).items()}
    url = consumer.get("url", "")
    if not url:
        raise _input_error("The input 'url' is required.")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _input_error(f"The input 'url' has an invalid value '{url}'.")
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
        raise _input_error("The input 'url' must use HTTPS.")
    if consumer.get("resourceDetailsToSend", "all") not in ("all", "minimal", "none"):
        raise _input_error("The input 'resourceDetailsToSend' must be one of all, minimal, none.")
    return str(event), publisher, consumer


def _headers(sub: Subscription) -> dict[str, str]:
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "VSServices/16.0"}
    user = sub.consumer_inputs.get("basicAuthUsername", "")
    password = sub.consumer_inputs.get("basicAuthPassword", "")
    if user or password:
        headers["Authorization"] = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    for line in sub.consumer_inputs.get("httpHeaders", "").splitlines():
        name, sep, val = line.partition(":")
        if sep and name.strip():
            headers[name.strip()] = val.strip()
    return headers


class Hooks:
    """Subscriptions of one organisation; listens to the model and hands deliveries to the dispatcher."""

    def __init__(self, state: AdoState, dispatcher: WebhookDispatcher, base_url: Callable[[], str]) -> None:
        self.state = state
        self.dispatcher = dispatcher
        self.base_url = base_url
        self.subscriptions: dict[str, Subscription] = {}
        self._lock = threading.Lock()
        state.listeners.append(self.on_update)

    def create(self, body: Any, by: Identity) -> Subscription:
        event, publisher, consumer = _validate(body)
        sub = Subscription(id=str(uuid.uuid4()), event_type=event, publisher_inputs=publisher,
                           consumer_inputs=consumer, created_by=by, created_date=iso(self.state.now()))
        with self._lock:
            self.subscriptions[sub.id] = sub
        return sub

    def delete(self, sub_id: str) -> bool:
        with self._lock:
            return self.subscriptions.pop(sub_id, None) is not None

    def render(self, sub: Subscription) -> dict[str, Any]:
        inputs = dict(sub.consumer_inputs)
        if inputs.get("basicAuthPassword"):
            inputs["basicAuthPassword"] = "********"
        by = sub.created_by.ref(self.base_url())
        return {"id": sub.id, "url": f"{self.base_url()}/{self.state.organization}/_apis/hooks/subscriptions/{sub.id}",
                "status": "enabled", "publisherId": "tfs", "eventType": sub.event_type, "resourceVersion": "1.0",
                "consumerId": "webHooks", "consumerActionId": "httpRequest", "createdBy": by,
                "createdDate": sub.created_date, "modifiedBy": by, "modifiedDate": sub.created_date,
                "publisherInputs": sub.publisher_inputs, "consumerInputs": inputs}

    def _wanted(self, sub: Subscription, event: str, item: WorkItem, update: dict[str, Any]) -> bool:
        if sub.event_type != event:
            return False
        pub = sub.publisher_inputs
        if pub.get("projectId") and pub["projectId"].casefold() not in (item.project.id, item.project.name.casefold()):
            return False
        if pub.get("workItemType") and pub["workItemType"].casefold() != item.type.name.casefold():
            return False
        if pub.get("areaPath") and not str(item.fields.get("System.AreaPath", "")).startswith(pub["areaPath"]):
            return False
        wanted_fields = [f.strip() for f in pub.get("changedFields", "").split(",") if f.strip()]
        return not wanted_fields or any(f in update["fields"] for f in wanted_fields)

    def on_update(self, item: WorkItem, update: dict[str, Any]) -> None:
        events = ["workitem.created"] if update["rev"] == 1 else ["workitem.updated"]
        if "System.History" in update["fields"]:
            events.append("workitem.commented")
        with self._lock:
            subs = list(self.subscriptions.values())
        for sub in subs:
            for event in events:
                if self._wanted(sub, event, item, update):
                    sub.notifications += 1
                    body = self.payload(sub, event, item, update)
                    self.dispatcher.deliver(sub.consumer_inputs["url"], _headers(sub), json.dumps(body).encode())

    def payload(self, sub: Subscription, event: str, item: WorkItem, update: dict[str, Any]) -> dict[str, Any]:
        base = self.base_url()
        org = self.state.organization
        org_url = f"{base}/{org}/"
        item_url = f"{base}/{org}/{item.project.id}/_apis/wit/workItems/{item.id}"
        html_url = f"{base}/{org}/web/wi.aspx?pcguid={self.state.collection_id}&id={item.id}"
        by: Identity = update["revisedBy"]
        title = item.fields.get("System.Title", "")
        label = f"{item.type.name} #{item.id}"
        state_change = update["fields"].get("System.State")
        if event == "workitem.created":
            verb = "created"
        elif state_change is not None:
            verb = f"transitioned to {state_change.get('newValue')}"
        elif event == "workitem.commented":
            verb = "commented on"
        else:
            verb = "updated"
        text = f"{label} ({title}) {verb} by {by.display_name}"
        snapshot = {ref: render.value(v, base, text_identities=True) for ref, v in item.fields.items()
                    if ref not in ("System.Id", "System.Rev", "System.AuthorizedDate", "System.RevisedDate",
                                   "System.Watermark")}
        if "System.History" in update["fields"]:
            snapshot["System.History"] = update["fields"]["System.History"].get("newValue")
        changes = {ref: {k: render.value(v, base, text_identities=True) for k, v in change.items()}
                   for ref, change in update["fields"].items()}
        revision = {"id": item.id, "rev": update["rev"], "fields": snapshot,
                    "_links": {"self": {"href": f"{item_url}/revisions/{update['rev']}"},
                               "workItemRevisions": {"href": f"{item_url}/revisions"},
                               "parent": {"href": item_url}},
                    "url": f"{item_url}/revisions/{update['rev']}"}
        detail = sub.consumer_inputs.get("resourceDetailsToSend", "all")
        resource: dict[str, Any] | None
        if event == "workitem.created":
            resource = {"id": item.id, "rev": update["rev"], "fields": snapshot, "_links": {"self": {"href": item_url}},
                        "url": item_url}
        else:
            resource = {"id": update["id"], "workItemId": item.id, "rev": update["rev"],
                        "revisedBy": {**by.ref(base), "name": by.text}, "revisedDate": update["revisedDate"],
                        "fields": changes,
                        "_links": {"self": {"href": f"{item_url}/updates/{update['id']}"},
                                   "workItemUpdates": {"href": f"{item_url}/updates"},
                                   "parent": {"href": item_url}, "html": {"href": html_url}},
                        "url": f"{item_url}/updates/{update['id']}", "revision": revision}
        if detail == "minimal" and resource is not None:
            resource = {k: resource[k] for k in ("id", "workItemId", "rev", "url") if k in resource}
        elif detail == "none":
            resource = None
        return {
            "subscriptionId": sub.id, "notificationId": sub.notifications, "id": str(uuid.uuid4()),
            "eventType": event, "publisherId": "tfs",
            "message": {"text": f"{text}\r\n({html_url})", "html": f'<a href="{html_url}">{label}</a> ({title}) '
                        f"{verb} by {by.display_name}", "markdown": f"[{label}]({html_url}) ({title}) {verb} by "
                        f"{by.display_name}"},
            "detailedMessage": {"text": f"{text}\r\n({html_url})", "html": f'<a href="{html_url}">{label}</a>',
                                "markdown": f"[{label}]({html_url})"},
            "resource": resource, "resourceVersion": "1.0",
            "resourceContainers": {"collection": {"id": self.state.collection_id, "baseUrl": org_url},
                                   "account": {"id": self.state.collection_id, "baseUrl": org_url},
                                   "project": {"id": item.project.id, "baseUrl": org_url}},
            "createdDate": iso(self.state.now()),
        }
