"""Repository webhooks: created through the API, delivered as GitHub's Hookshot does.

Each change the store reports becomes one delivery per active hook subscribed to the event: a JSON body (or a
form-encoded ``payload=`` when the hook asks for ``form``), ``X-GitHub-Event``, a fresh ``X-GitHub-Delivery``
GUID, ``X-GitHub-Hook-ID`` and, when the hook has a secret, ``X-Hub-Signature-256`` (HMAC-SHA256 of the raw body)
and the legacy sha1 ``X-Hub-Signature``. The body is rendered once per change, at the time of the change.
"""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import urlencode

from weavesync.sandbox.auth import hmac_signature
from weavesync.sandbox.github import render
from weavesync.sandbox.github.model import Comment, Hook, Issue, Label, Repo, Store
from weavesync.sandbox.server import SandboxContext


class HookDispatcher:
    """A store listener that turns changes into signed deliveries handed to the harness's dispatcher."""

    def __init__(self, ctx: SandboxContext, store: Store) -> None:
        self.ctx = ctx
        self.store = store
        store.listeners.append(self.on_change)

    def on_change(self, event: str, action: str, repo: Repo, issue: Issue, actor: str,
                  extra: dict[str, object]) -> None:
        hooks = [h for h in repo.hooks.values() if h.active and (event in h.events or "*" in h.events)]
        if not hooks:
            return
        api = self.ctx.base_url
        sender = render.user_by_login(self.store, actor, api)
        payload: dict[str, Any] = {"action": action,
                                   "issue": render.issue(issue, repo, self.store, api, webhook=True)}
        label = extra.get("label")
        if isinstance(label, Label):
            payload["label"] = render.label(label, repo, api, webhook=True)
        changes = extra.get("changes")
        if isinstance(changes, dict):
            payload["changes"] = changes
        comment = extra.get("comment")
        if isinstance(comment, Comment):
            payload["comment"] = render.comment(comment, repo, self.store, api)
        payload["repository"] = render.repository(repo, self.store, api)
        payload["sender"] = sender
        self.send(repo, hooks, event, payload)

    def ping(self, repo: Repo, hook: Hook) -> None:
        api = self.ctx.base_url
        payload = {"zen": "Keep it logically awesome.", "hook_id": hook.id,
                   "hook": render.hook(hook, repo, api), "repository": render.repository(repo, self.store, api),
                   "sender": render.user(self.store.users[repo.owner.lower()], api)}
        self.send(repo, [hook], "ping", payload)

    def send(self, repo: Repo, hooks: list[Hook], event: str, payload: dict[str, Any]) -> None:
        raw = json.dumps(payload, separators=(",", ":")).encode()
        for hook in hooks:
            body = urlencode({"payload": raw.decode()}).encode() if hook.content_type == "form" else raw
            headers = {
                "Content-Type": "application/x-www-form-urlencoded" if hook.content_type == "form"
                else "application/json",
                "User-Agent": "GitHub-Hookshot/sandbox",
                "X-GitHub-Event": event,
                "X-GitHub-Delivery": str(uuid.uuid4()),
                "X-GitHub-Hook-ID": str(hook.id),
                "X-GitHub-Hook-Installation-Target-ID": str(repo.id),
                "X-GitHub-Hook-Installation-Target-Type": "repository",
            }
            if hook.secret:
                headers["X-Hub-Signature"] = hmac_signature(hook.secret, body, "sha1")
                headers["X-Hub-Signature-256"] = hmac_signature(hook.secret, body)
            self.ctx.webhooks.deliver(hook.url, headers, body)
