"""Work item routes: get one, list by ids, workitemsbatch, create (``$Type``) and update (JSON Patch)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from weavesync.sandbox.azure_devops import patch, render, versions
from weavesync.sandbox.azure_devops.errors import AdoError, bad_request, not_found_item
from weavesync.sandbox.azure_devops.model import Project, WorkItem
from weavesync.sandbox.azure_devops.service import Service, flag, json_body, ok, require_content_type, user

MAX_IDS = 200
PATCH_JSON = "application/json-patch+json"


def _expand(raw: str | None) -> str:
    value = (raw or "none").lower()
    if value not in render.EXPANDS:
        raise bad_request(f"The value '{raw}' is not valid for parameter $expand.", "ArgumentException")
    return value


def _fields_and_expand(fields: list[str] | None, expand: str) -> None:
    if fields and expand != "none":
        raise bad_request("The expand parameter can not be used with the fields parameter.",
                          "ConflictingParametersException")


def _split(raw: str | None) -> list[str] | None:
    if raw is None or not raw.strip():
        return None
    return [part.strip() for part in raw.split(",") if part.strip()]


def _many(svc: Service, project: Project, ids: list[int], fields: list[str] | None, expand: str,
          policy: str) -> dict[str, Any]:
    if not ids:
        raise bad_request("Value cannot be null.\r\nParameter name: ids", "ArgumentNullException")
    if len(ids) > MAX_IDS:
        raise bad_request(f"VS402331: The number of work items requested ({len(ids)}) exceeds the maximum "
                          f"({MAX_IDS}).", "ArgumentException")
    if policy not in ("fail", "omit"):
        raise bad_request(f"The value '{policy}' is not valid for parameter errorPolicy.", "ArgumentException")
    out: list[dict[str, Any] | None] = []
    for item_id in ids:
        item = svc.state.items.get(item_id)
        if item is None or item.project is not project:
            if policy == "fail":
                raise not_found_item(item_id)
            out.append(None)
            continue
        out.append(render.work_item(item, svc.state.organization, svc.base_url, fields=fields, expand=expand))
    return {"count": len(out), "value": out}


def routes(svc: Service) -> list[Route]:
    async def one(request: Request) -> Response:
        versions.require(request)
        project = svc.project(request)
        if request.method == "PATCH":
            return await _update(request, project)
        item = svc.item(project, int(request.path_params["id"]))
        fields = _split(request.query_params.get("fields"))
        expand = _expand(request.query_params.get("$expand"))
        _fields_and_expand(fields, expand)
        return ok(render.work_item(item, svc.state.organization, svc.base_url, fields=fields, expand=expand))

    async def many(request: Request) -> Response:
        versions.require(request)
        project = svc.project(request)
        raw = _split(request.query_params.get("ids")) or []
        try:
            ids = [int(x) for x in raw]
        except ValueError as exc:
            raise bad_request("The ids parameter must be a comma-separated list of integers.",
                              "ArgumentException") from exc
        fields = _split(request.query_params.get("fields"))
        expand = _expand(request.query_params.get("$expand"))
        _fields_and_expand(fields, expand)
        policy = request.query_params.get("errorPolicy", "fail").lower()
        return ok(_many(svc, project, ids, fields, expand, policy))

    async def batch(request: Request) -> Response:
        versions.require(request)
        project = svc.project(request)
        require_content_type(request, "application/json")
        body = await json_body(request)
        if not isinstance(body, dict) or not isinstance(body.get("ids"), list):
            raise bad_request("Value cannot be null.\r\nParameter name: ids", "ArgumentNullException")
        try:
            ids = [int(x) for x in body["ids"]]
        except (TypeError, ValueError) as exc:
            raise bad_request("ids must be integers.", "ArgumentException") from exc
        fields = body.get("fields")
        if fields is not None and not (isinstance(fields, list) and all(isinstance(f, str) for f in fields)):
            raise bad_request("fields must be a list of field reference names.", "ArgumentException")
        expand = _expand(body.get("$expand"))
        _fields_and_expand(fields, expand)
        policy = str(body.get("errorPolicy") or "fail").lower()
        return ok(_many(svc, project, ids, fields or None, expand, policy))

    async def create(request: Request) -> Response:
        versions.require(request)
        project = svc.project(request)
        raw_type = str(request.path_params["type"])
        if not raw_type.startswith("$"):
            raise AdoError(405, "The requested resource does not support http method 'POST'.",
                           "VssServiceException")
        wit = project.type(raw_type[1:])
        if wit is None:
            raise AdoError(404, f"VS402323: Work item type {raw_type[1:]} does not exist in project {project.name} "
                           "or you do not have permission to access it.", "WorkItemTypeNotFoundException")
        require_content_type(request, PATCH_JSON)
        document = await json_body(request)
        changes = patch.apply(document, None, wit, bypass_rules=flag(request, "bypassRules"))
        history = changes.pop("System.History", None)
        with svc.state.lock:
            if flag(request, "validateOnly"):
                preview = WorkItem(id=0, project=project, type=wit, rev=0, fields=changes)
                return ok(render.work_item(preview, svc.state.organization, svc.base_url))
            item = svc.state.create(project, wit, {k: v for k, v in changes.items() if v is not None},
                                    user(request))
            if history:
                svc.state.add_comment(item, str(history), str(history), "html", user(request))
        return ok(render.work_item(item, svc.state.organization, svc.base_url,
                                   expand=_expand(request.query_params.get("$expand"))))

    async def _update(request: Request, project: Project) -> Response:
        item = svc.item(project, int(request.path_params["id"]))
        require_content_type(request, PATCH_JSON)
        document = await json_body(request)
        with svc.state.lock:
            changes = patch.apply(document, item, item.type, bypass_rules=flag(request, "bypassRules"))
            if flag(request, "validateOnly"):
                preview = WorkItem(id=item.id, project=project, type=item.type, rev=item.rev,
                                   fields={**item.fields, **{k: v for k, v in changes.items() if v is not None}})
                return ok(render.work_item(preview, svc.state.organization, svc.base_url))
            if changes:
                history = changes.get("System.History")
                if history:
                    changes["System.CommentCount"] = int(item.fields.get("System.CommentCount", 0)) + 1
                svc.state.update(item, changes, user(request))
                if history:
                    svc.state.note_comment(item, str(history), str(history), "html", user(request))
        return ok(render.work_item(item, svc.state.organization, svc.base_url,
                                   expand=_expand(request.query_params.get("$expand"))))

    base = "/{org}/{project}/_apis/wit"
    return [
        Route(f"{base}/workitems/{{id:int}}", one, methods=["GET", "PATCH"]),
        Route(f"{base}/workitems", many, methods=["GET"]),
        Route(f"{base}/workitems/{{type}}", create, methods=["POST"]),
        Route(f"{base}/workitemsbatch", batch, methods=["POST"]),
    ]
