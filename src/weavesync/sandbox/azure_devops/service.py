"""What the route modules share: the organisation, the caller, JSON in and out, project and item look-ups."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from weavesync.sandbox.azure_devops.errors import AdoError, bad_request, not_found_item
from weavesync.sandbox.azure_devops.model import AdoState, Identity, Project, WorkItem
from weavesync.sandbox.server import SandboxContext

JSON = "application/json; charset=utf-8"


@dataclass
class Service:
    ctx: SandboxContext
    state: AdoState

    @property
    def base_url(self) -> str:
        return self.ctx.base_url

    @property
    def org_url(self) -> str:
        return f"{self.ctx.base_url}/{self.state.organization}"

    def check_org(self, request: Request) -> None:
        org = request.path_params.get("org", "")
        if str(org).casefold() != self.state.organization.casefold():
            raise AdoError(404, f"VS800075: The organization '{org}' does not exist.", "AccountNotFoundException")

    def project(self, request: Request) -> Project:
        self.check_org(request)
        name = str(request.path_params["project"])
        found = self.state.project(name)
        if found is None:
            raise AdoError(404, f"TF200016: The following project does not exist: {name}. Verify that the name of "
                           "the project is correct and that the project exists on the specified Azure DevOps "
                           "Server.", "ProjectDoesNotExistWithNameException", error_code=0, event_id=3000)
        return found

    def item(self, project: Project, item_id: int) -> WorkItem:
        found = self.state.items.get(item_id)
        if found is None or found.project is not project:
            raise not_found_item(item_id)
        return found


def user(request: Request) -> Identity:
    found: Identity = request.state.ado_user
    return found


def ok(payload: Any, status: int = 200) -> Response:
    return Response(json.dumps(payload), status_code=status, media_type=JSON)


async def json_body(request: Request) -> Any:
    raw = await request.body()
    if not raw:
        raise bad_request("Value cannot be null.\r\nParameter name: body", "ArgumentNullException")
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise bad_request("The request body could not be read as JSON.", "VssPropertyValidationException") from exc


def require_content_type(request: Request, wanted: str) -> None:
    given = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if given != wanted:
        raise AdoError(415, f'The request indicated a Content-Type of "{given or "(none)"}" for method type '
                       f'"{request.method}" which is not supported. Valid content types for this method are: '
                       f"{wanted}.", "VssRequestContentTypeNotSupportedException")


def flag(request: Request, name: str) -> bool:
    return request.query_params.get(name, "").lower() == "true"
