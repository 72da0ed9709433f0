"""A strict loopback copy of the GitHub REST API (version 2022-11-28) for issues, labels, comments, events,
repository webhooks, ``/user`` and ``/rate_limit``.

Module map: `model` (the data and every mutation), `render` (JSON shapes), `api` (version, auth, rate limits,
ETags around every handler), `limits`, `lookup` (paths and pages), `routes_issues`, `routes_parts`,
`routes_misc`, `hooks` (webhook deliveries), `seed`. Sandbox-only controls under ``/_sandbox/``:
``seed`` (bulk issues), ``ratelimit`` (budgets and secondary limits), ``issues/delete``.
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from weavesync.sandbox.github.api import Api, error_response, fault_body
from weavesync.sandbox.github.hooks import HookDispatcher
from weavesync.sandbox.github.limits import RateLimits
from weavesync.sandbox.github.model import Store
from weavesync.sandbox.github.routes_issues import IssueRoutes
from weavesync.sandbox.github.routes_misc import MiscRoutes
from weavesync.sandbox.github.routes_parts import PartRoutes
from weavesync.sandbox.github.seed import bulk, seed
from weavesync.sandbox.server import SandboxContext, TrackerApp


class GitHubSandbox:
    """The state a test may look into: the store, the rate limits and the webhook dispatcher."""

    def __init__(self, ctx: SandboxContext) -> None:
        self.ctx = ctx
        self.store = Store(ctx.now)
        self.limits = RateLimits()
        self.repo = seed(self.store, ctx.accounts, ctx.seed)
        self.hooks = HookDispatcher(ctx, self.store)
        self.api = Api(ctx, self.store, self.limits)

    def control(self, method: str, path: str, data: Any) -> Any:
        if path == "seed" and method == "POST":
            return bulk(self.store, data)
        if path == "ratelimit" and method == "POST":
            return self.limits.configure(data, self.ctx.now(), list(self.ctx.accounts))
        if path == "ratelimit" and method == "GET":
            return self.limits.configure({}, self.ctx.now(), [])
        if path == "issues/delete" and method == "POST":
            with self.store.lock:
                issue = self.repo.issues[int(data["number"])]
                self.store.delete_issue(self.repo, issue, str(data.get("by", "alice")))
            return {"deleted": issue.number}
        return None


async def _not_found(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    # GitHub answers an unknown path or a method a path does not have with a JSON 404.
    message = "Not Found" if status in (404, 405) else "Server Error"
    return error_response(404 if status in (404, 405) else status,
                          {"message": message, "documentation_url": "https://docs.github.com/rest",
                           "status": "404" if status in (404, 405) else str(status)}, {})


def create_app(ctx: SandboxContext) -> TrackerApp:
    sandbox = GitHubSandbox(ctx)
    routes = [*IssueRoutes(sandbox.api, sandbox.store).routes(), *PartRoutes(sandbox.api, sandbox.store).routes(),
              *MiscRoutes(sandbox.api, sandbox.store, sandbox.hooks).routes()]
    app = Starlette(routes=routes, exception_handlers={404: _not_found, 405: _not_found})
    return TrackerApp(app=app, fault_body=fault_body, control=sandbox.control, state=sandbox)


__all__ = ["GitHubSandbox", "create_app"]
