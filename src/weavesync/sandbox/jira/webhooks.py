"""Admin webhooks: registration through ``/rest/webhooks/1.0/webhook`` and deliveries in Jira's shape.

A delivery is the v2-shaped payload of the real capture (``timestamp`` in epoch ms, ``webhookEvent``,
``issue_event_type_name``, ``user``, full ``issue``, ``changelog.items``), with ``X-Atlassian-Webhook-Identifier``
(unique per delivery, kept on redelivery) and, when the webhook has a secret, ``X-Hub-Signature: sha256=<hex
HMAC-SHA256 of the raw body>``. A webhook's JQL filter is checked against the issue after the change. The
dynamic-webhook API (``/rest/api/3/webhook``) is for Connect/OAuth apps only, so Basic-auth users get 403.
"""

from __future__ import annotations

import json
import uuid
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from weavesync.sandbox.auth import hmac_signature
from weavesync.sandbox.jira import jql
from weavesync.sandbox.jira.http import JiraFault, json_response, read_json
from weavesync.sandbox.jira.model import Change, User, Webhook
from weavesync.sandbox.jira.site import Site

EVENTS = {"jira:issue_created", "jira:issue_updated", "jira:issue_deleted", "comment_created", "comment_updated",
          "comment_deleted"}
SITE_ZONE = ZoneInfo("Europe/Berlin")
FILTER_KEY = "issue-related-events-section"


def _hook_json(site: Site, hook: Webhook, user: User) -> dict[str, Any]:
    return {"self": f"{site.ctx.base_url}/rest/webhooks/1.0/webhook/{hook.id}", "name": hook.name,
            "url": hook.url, "events": hook.events, "filters": {FILTER_KEY: hook.jql or ""},
            "excludeBody": hook.exclude_body, "enabled": hook.enabled, "lastUpdatedUser": user.account_id,
            "lastUpdatedDisplayName": user.display_name,
            "lastUpdated": int(site.ctx.now().timestamp() * 1000)}


class Deliverer:
    """Turns model changes into signed deliveries (only when some webhook wants them)."""

    def __init__(self, site: Site) -> None:
        self.site = site

    def __call__(self, change: Change) -> None:
        hooks = [h for h in self.site.state.webhooks.values() if h.enabled]
        if not hooks:
            return
        events = [change.event]
        if change.event == "comment_created":
            events.append("jira:issue_updated")
        for event in events:
            wanted = [h for h in hooks if event in h.events and self._matches(h, change)]
            if not wanted:
                continue
            body = json.dumps(self.payload(change, event), separators=(",", ":")).encode()
            for hook in wanted:
                headers = {"Content-Type": "application/json; charset=UTF-8",
                           "User-Agent": "Atlassian Webhook HTTP Client",
                           "X-Atlassian-Webhook-Identifier": str(uuid.uuid4()),
                           "X-Atlassian-Webhook-Retry": "0", "X-Atlassian-Webhook-Flow": "Primary"}
                if hook.secret:
                    headers["X-Hub-Signature"] = hmac_signature(hook.secret, body)
                self.site.ctx.webhooks.deliver(hook.url, headers, b"" if hook.exclude_body else body)

    def _matches(self, hook: Webhook, change: Change) -> bool:
        if not hook.jql:
            return True
        query = jql.compile_jql(hook.jql, self.site.state, SITE_ZONE, self.site.ctx.now(), bounded=False)
        return query.predicate is None or query.predicate(change.issue)

    def payload(self, change: Change, event: str) -> dict[str, Any]:
        renderer = self.site.renderer(None, version=2)
        out: dict[str, Any] = {"timestamp": int(change.issue.updated.timestamp() * 1000), "webhookEvent": event,
                               "user": renderer.user(change.user.login),
                               "issue": renderer.issue(change.issue, None, SITE_ZONE, set())}
        if event.startswith("jira:"):
            out["issue_event_type_name"] = change.type_name
        if change.history is not None:
            out["changelog"] = renderer.history(change.history, SITE_ZONE)
            out["changelog"].pop("author", None)
            out["changelog"].pop("created", None)
        if change.comment is not None:
            out["comment"] = renderer.comment(change.issue, change.comment, SITE_ZONE)
        return out


def routes(site: Site) -> list[Route]:
    guard = site.guard
    state = site.state

    @guard
    async def register(request: Request, user: User) -> Response:
        data = await read_json(request)
        if not isinstance(data, dict):
            raise JiraFault(400, ["Invalid webhook payload."])
        url = data.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise JiraFault(400, errors={"url": "Webhook URL must be an absolute http(s) URL."})
        events = data.get("events")
        if not isinstance(events, list) or not events or not set(events) <= EVENTS:
            raise JiraFault(400, errors={"events": f"Events must be a non-empty subset of {sorted(EVENTS)}."})
        filters = data.get("filters") or {}
        query = filters.get(FILTER_KEY) if isinstance(filters, dict) else None
        if query:
            jql.compile_jql(str(query), state, user.zone, site.ctx.now(), bounded=False)
        secret = data.get("secret")
        if secret is not None and not isinstance(secret, str):
            raise JiraFault(400, errors={"secret": "Secret must be a string."})
        hook = state.add_webhook(str(data.get("name") or "webhook"), url, [str(e) for e in events],
                                 str(query) if query else None, secret or None, bool(data.get("excludeBody")))
        return json_response(_hook_json(site, hook, user), 201)

    @guard
    async def list_hooks(request: Request, user: User) -> Response:
        return json_response([_hook_json(site, h, user) for h in state.webhooks.values()])

    @guard
    async def one_hook(request: Request, user: User) -> Response:
        hook = state.webhooks.get(_hook_id(request))
        if hook is None:
            raise JiraFault(404, ["Webhook not found."])
        if request.method == "DELETE":
            with state.lock:
                state.webhooks.pop(hook.id, None)
            return Response(status_code=204)
        return json_response(_hook_json(site, hook, user))

    @guard
    async def app_only(request: Request, user: User) -> Response:
        raise JiraFault(403, ["Only Connect and OAuth 2.0 apps can use this operation."])

    base = "/rest/webhooks/1.0/webhook"
    return [Route(base, register, methods=["POST"]), Route(base, list_hooks, methods=["GET"]),
            Route(base + "/{hid}", one_hook, methods=["GET", "DELETE"]),
            Route("/rest/api/3/webhook", app_only, methods=["GET", "POST", "DELETE"])]


def _hook_id(request: Request) -> int:
    try:
        return int(request.path_params["hid"])
    except ValueError as exc:
        raise JiraFault(404, ["Webhook not found."]) from exc
