"""The sandbox Jira Cloud site (REST v3): project CORE with a multi-step workflow, search, webhooks, limits.

`create_app(ctx)` is what the shared harness calls. Extra controls under ``/_sandbox/``: ``seed`` (POST
``{"count": N, "status"?, "issuetype"?}`` bulk-creates issues without webhooks, for benchmarks) and
``ratelimit`` (POST ``{"limit": N|null, "window_seconds": S}`` sets the per-user burst budget; GET shows it).
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from weavesync.sandbox.jira import routes_issues, routes_meta, routes_search, webhooks
from weavesync.sandbox.jira.http import fault_body, json_response
from weavesync.sandbox.jira.site import Site
from weavesync.sandbox.server import SandboxContext, TrackerApp


async def _not_found(request: Request, exc: Exception) -> Response:
    return json_response({"errorMessages": ["null for uri: " + str(request.url.path)], "errors": {}}, 404)


async def _not_allowed(request: Request, exc: Exception) -> Response:
    return Response(status_code=405)


def create_app(ctx: SandboxContext) -> TrackerApp:
    site = Site(ctx)
    if ctx.seed == "default":
        site.seed_default()
    site.state.on_change = webhooks.Deliverer(site)
    route_list: list[Route] = [*routes_issues.routes(site), *routes_search.routes(site),
                               *routes_meta.routes(site), *webhooks.routes(site)]
    app = Starlette(routes=route_list, exception_handlers={404: _not_found, 405: _not_allowed})

    def control(method: str, name: str, data: Any) -> Any:
        if name == "seed" and method == "POST":
            return site.seed(data or {})
        if name == "ratelimit" and method == "POST":
            return site.rate.configure(data or {})
        if name == "ratelimit" and method == "GET":
            return {"limit": site.rate.limit, "window_seconds": site.rate.window_seconds}
        return None

    return TrackerApp(app=app, fault_body=fault_body, control=control, state=site)


__all__ = ["create_app"]
