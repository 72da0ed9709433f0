"""The authenticated user, the rate-limit status, the repository and its webhooks."""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

from weavesync.sandbox.github import render
from weavesync.sandbox.github.api import Api, ApiError, Reply, Req, invalid, schema_error
from weavesync.sandbox.github.hooks import HookDispatcher
from weavesync.sandbox.github.lookup import find_repo
from weavesync.sandbox.github.model import Hook, Store

HOOK_EVENTS = frozenset({"*", "push", "issues", "issue_comment", "label", "pull_request", "ping", "milestone"})


class MiscRoutes:
    def __init__(self, api: Api, store: Store, hooks: HookDispatcher) -> None:
        self.api = api
        self.store = store
        self.hooks = hooks

    def routes(self) -> list[Route]:
        route = self.api.route
        return [
            route("/user", self.user, ["GET"]),
            route("/rate_limit", self.rate_limit, ["GET"], free=True),
            route("/repos/{owner}/{repo}", self.repository, ["GET"]),
            route("/repos/{owner}/{repo}/hooks", self.list_hooks, ["GET"]),
            route("/repos/{owner}/{repo}/hooks", self.create_hook, ["POST"]),
            route("/repos/{owner}/{repo}/hooks/{hook_id}", self.get_hook, ["GET"]),
            route("/repos/{owner}/{repo}/hooks/{hook_id}", self.delete_hook, ["DELETE"]),
        ]

    def user(self, req: Req) -> Reply:
        if req.user is None:
            raise ApiError(401, "Requires authentication")
        return Reply(body=render.private_user(req.user, self.api.base, self.store.now()))

    def rate_limit(self, req: Req) -> Reply:
        who = req.user.login if req.user else None
        core = self.api.limits.snapshot(who, self.store.now())
        other = {"limit": 5000 if who else 60, "used": 0, "remaining": 5000 if who else 60,
                 "reset": core["reset"]}
        resources = {"core": core, "search": other | {"limit": 30, "remaining": 30, "resource": "search"},
                     "graphql": other | {"resource": "graphql"}}
        return Reply(body={"resources": resources, "rate": core})

    def repository(self, req: Req) -> Reply:
        repo = find_repo(self.store, req)
        return Reply(body=render.repository(repo, self.store, self.api.base))

    def list_hooks(self, req: Req) -> Reply:
        repo = find_repo(self.store, req)
        return Reply(body=[render.hook(h, repo, self.api.base) for h in repo.hooks.values()])

    def _hook(self, req: Req) -> tuple[Any, Hook]:
        repo = find_repo(self.store, req)
        try:
            hook = repo.hooks[int(req.params["hook_id"])]
        except (ValueError, KeyError):
            raise ApiError(404, "Not Found") from None
        return repo, hook

    def get_hook(self, req: Req) -> Reply:
        repo, hook = self._hook(req)
        return Reply(body=render.hook(hook, repo, self.api.base))

    def delete_hook(self, req: Req) -> Reply:
        repo, hook = self._hook(req)
        req.login()
        del repo.hooks[hook.id]
        return Reply(204)

    def create_hook(self, req: Req) -> Reply:
        repo = find_repo(self.store, req)
        req.login()
        data = req.json()
        if not isinstance(data, dict):
            raise schema_error("body is not an object.")
        if data.get("name", "web") != "web":
            raise invalid("Hook", "name", "custom", message=f"Name must be 'web', not {data.get('name')!r}")
        config = data.get("config")
        if not isinstance(config, dict):
            raise schema_error('"config" wasn\'t supplied.')
        url = config.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise invalid("Hook", "config", "custom", message="Config must contain URL for webhooks")
        content_type = config.get("content_type", "form")
        if content_type not in ("json", "form"):
            raise invalid("Hook", "content_type", value=content_type)
        events = data.get("events", ["push"])
        if not isinstance(events, list) or not events or any(e not in HOOK_EVENTS for e in events):
            raise invalid("Hook", "events", value=str(events))
        if any(h.url == url for h in repo.hooks.values()):
            raise invalid("Hook", "config", "custom", message="Hook already exists on this repository")
        now = self.store.now()
        secret = config.get("secret")
        hook = Hook(id=self.store.next_id(), url=url, content_type=content_type,
                    secret=str(secret) if secret else None, events=[str(e) for e in events],
                    active=bool(data.get("active", True)), created_at=now, updated_at=now,
                    insecure_ssl=str(config.get("insecure_ssl", "0")))
        repo.hooks[hook.id] = hook
        self.hooks.ping(repo, hook)
        rendered = render.hook(hook, repo, self.api.base)
        return Reply(201, rendered, {"location": rendered["url"]})
