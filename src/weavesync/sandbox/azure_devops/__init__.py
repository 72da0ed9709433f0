"""The Azure DevOps Boards sandbox: REST 7.1 work item tracking for organisation ``acme``, strict like the service.

`create_app(ctx)` builds the Starlette app (routes in `routes_items`, `routes_query`, `routes_org`) behind the
`Gate` (auth, path case, throttling). Extra controls under ``/_sandbox/``: ``seed`` (bulk items), ``projects``
(another project on Basic/Scrum/CMMI/Agile), ``ratelimit`` (the usage budget).
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from weavesync.sandbox.azure_devops import routes_items, routes_org, routes_query, seed
from weavesync.sandbox.azure_devops.errors import AdoError, fault_body
from weavesync.sandbox.azure_devops.gate import Gate, identity_for
from weavesync.sandbox.azure_devops.hooks import Hooks
from weavesync.sandbox.azure_devops.model import AdoState
from weavesync.sandbox.azure_devops.processes import process_names
from weavesync.sandbox.azure_devops.ratelimit import RateLimiter
from weavesync.sandbox.azure_devops.service import Service
from weavesync.sandbox.server import PERSON, SandboxContext, TrackerApp

__all__ = ["create_app"]


def create_app(ctx: SandboxContext) -> TrackerApp:
    state = AdoState(seed.ORGANIZATION, ctx.now)
    users = {account.secret: identity_for(login, account.display_name) for login, account in ctx.accounts.items()}
    person = next((ident for secret, ident in users.items() if ctx.accounts[PERSON].secret == secret), None) \
        if PERSON in ctx.accounts else None
    person = person or identity_for(PERSON, "Alice Example")
    seed.seed(state, ctx.seed, person)
    svc = Service(ctx=ctx, state=state)
    hooks = Hooks(state, ctx.webhooks, lambda: ctx.base_url)
    limiter = RateLimiter(now=ctx.now)

    async def on_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, AdoError)
        return exc.response()

    async def not_found(request: Request, exc: Exception) -> Response:
        return AdoError(404, f"The resource cannot be found: {request.url.path}", "VssResourceNotFoundException",
                        ).response()

    async def not_allowed(request: Request, exc: Exception) -> Response:
        return AdoError(405, f"The requested resource does not support http method '{request.method}'.",
                        "VssServiceException").response()

    routes = [*routes_items.routes(svc), *routes_query.routes(svc), *routes_org.routes(svc, hooks)]
    app = Starlette(routes=routes, exception_handlers={AdoError: on_error, 404: not_found, 405: not_allowed})

    def control(method: str, path: str, data: Any) -> Any:
        if path == "seed" and method == "POST":
            return seed.bulk(state, data, person)
        if path == "projects" and method == "POST":
            process = str(data.get("process", ""))
            if process not in process_names():
                raise ValueError(f"process must be one of {', '.join(process_names())}")
            project = state.add_project(str(data["name"]), process)
            return {"id": project.id, "name": project.name, "process": project.process,
                    "types": sorted(t.name for t in project.types.values())}
        if path == "ratelimit" and method == "POST":
            return limiter.configure(data)
        return None

    return TrackerApp(app=Gate(app, users, limiter), fault_body=fault_body, control=control, state=state)
