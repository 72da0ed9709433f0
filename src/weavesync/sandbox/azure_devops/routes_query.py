"""Query-side routes: WIQL, a work item's updates (history) and comments, and a type's states with categories."""

from __future__ import annotations

import functools
import html
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from weavesync.sandbox.azure_devops import render, versions, wiql
from weavesync.sandbox.azure_devops.errors import AdoError, bad_request
from weavesync.sandbox.azure_devops.model import WorkItem, iso
from weavesync.sandbox.azure_devops.service import Service, json_body, ok, require_content_type, user

_COLUMN_NAMES = {"System.Id": "ID", "System.Title": "Title", "System.State": "State",
                 "System.ChangedDate": "Changed Date", "System.WorkItemType": "Work Item Type",
                 "System.Tags": "Tags"}


def _changed(fields: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(fields["System.ChangedDate"]).replace("Z", "+00:00"))


def routes(svc: Service) -> list[Route]:
    def column(ref: str) -> dict[str, str]:
        return {"referenceName": ref, "name": _COLUMN_NAMES.get(ref, ref.rsplit(".", 1)[-1]),
                "url": f"{svc.org_url}/_apis/wit/fields/{ref}"}

    async def run_wiql(request: Request) -> Response:
        versions.require(request)
        project = svc.project(request)
        require_content_type(request, "application/json")
        body = await json_body(request)
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            raise bad_request("Value cannot be null.\r\nParameter name: wiql", "ArgumentNullException")
        time_precision = request.query_params.get("timePrecision", "").lower() == "true"
        top_raw = request.query_params.get("$top")
        top = int(top_raw) if top_raw and top_raw.isdigit() else None
        query = wiql.parse(body["query"])
        tests = [wiql.matcher(c, project.name, time_precision, svc.state.now()) for c in query.conditions]
        with svc.state.lock:
            as_of = iso(svc.state.now())
            candidates = _candidates(svc, query, time_precision)
            found = []
            for item_id in candidates:
                item = svc.state.items.get(item_id)
                if item is None or item.project is not project:
                    continue
                if all(test(item.fields) for test in tests):
                    found.append(item)
        if top is None and len(found) > wiql.MAX_RESULTS:
            raise bad_request(f"VS402337: The number of work items returned exceeds the size limit of "
                              f"{wiql.MAX_RESULTS}. Change the query to return fewer items.",
                              "WorkItemTrackingQueryResultSizeLimitExceededException", error_code=600171,
                              event_id=3200)
        order = query.order or [("System.Id", False)]
        for ref, desc in reversed(order):
            found.sort(key=functools.partial(_sort_key, ref), reverse=desc)
        if top is not None:
            found = found[:top]
        return ok({
            "queryType": "flat", "queryResultType": "workItem", "asOf": as_of,
            "columns": [column(ref) for ref in query.fields],
            "sortColumns": [{"field": column(ref), "descending": desc} for ref, desc in query.order],
            "workItems": [{"id": it.id, "url": f"{svc.org_url}/{project.id}/_apis/wit/workItems/{it.id}"}
                          for it in found],
        })

    async def updates(request: Request) -> Response:
        versions.require(request)
        project = svc.project(request)
        item = svc.item(project, int(request.path_params["id"]))
        skip = int(request.query_params.get("$skip", "0") or 0)
        top = int(request.query_params.get("$top", "200") or 200)
        chosen = item.updates[skip:skip + top]
        value = [render.update(item, u, svc.state.organization, svc.base_url) for u in chosen]
        return ok({"count": len(value), "value": value})

    async def comments(request: Request) -> Response:
        versions.require(request, preview_only=True)
        project = svc.project(request)
        item = svc.item(project, int(request.path_params["id"]))
        if request.method == "POST":
            require_content_type(request, "application/json")
            body = await json_body(request)
            text = body.get("text") if isinstance(body, dict) else None
            if not isinstance(text, str) or not text.strip():
                raise bad_request("VS403480: The comment text cannot be empty.", "ArgumentException")
            fmt = request.query_params.get("format", "markdown").lower()
            if fmt not in ("markdown", "html"):
                raise bad_request(f"The value '{fmt}' is not valid for parameter format.", "ArgumentException")
            rendered = text if fmt == "html" else f"<p>{html.escape(text)}</p>"
            comment = svc.state.add_comment(item, text, rendered, fmt, user(request))
            return ok(render.comment(item, comment, svc.state.organization, svc.base_url))
        top = int(request.query_params.get("$top", "200") or 200)
        start = int(request.query_params.get("continuationToken", "0") or 0)
        wanted = request.query_params.get("ids")
        pool = item.comments
        if wanted:
            ids = {int(x) for x in wanted.split(",") if x.strip().isdigit()}
            pool = [c for c in pool if c.id in ids]
        chosen = pool[start:start + top]
        value = [render.comment(item, c, svc.state.organization, svc.base_url) for c in chosen]
        out: dict[str, Any] = {"totalCount": len(pool), "count": len(value), "comments": value,
                               "url": f"{svc.org_url}/{project.id}/_apis/wit/workItems/{item.id}/comments"}
        if start + top < len(pool):
            out["continuationToken"] = str(start + top)
            out["nextPage"] = f"{out['url']}?continuationToken={start + top}"
        return ok(out)

    async def type_states(request: Request) -> Response:
        versions.require(request)
        project = svc.project(request)
        name = str(request.path_params["type"])
        wit = project.type(name)
        if wit is None:
            raise AdoError(404, f"VS402323: Work item type {name} does not exist in project {project.name} or you "
                           "do not have permission to access it.", "WorkItemTypeNotFoundException")
        value = [{"name": s.name, "color": s.color, "category": s.category} for s in wit.states]
        return ok({"count": len(value), "value": value})

    base = "/{org}/{project}/_apis/wit"
    return [
        Route(f"{base}/wiql", run_wiql, methods=["POST"]),
        Route("/{org}/{project}/{team}/_apis/wit/wiql", run_wiql, methods=["POST"]),
        Route(f"{base}/workitems/{{id:int}}/updates", updates, methods=["GET"]),
        Route(f"{base}/workitems/{{id:int}}/comments", comments, methods=["GET", "POST"]),
        Route(f"{base}/workitemtypes/{{type}}/states", type_states, methods=["GET"]),
    ]


def _candidates(svc: Service, query: wiql.Query, time_precision: bool) -> list[int]:
    """Use the indexes the conditions allow: the change log for ChangedDate >=, the id list for IN."""
    for cond in query.conditions:
        if cond.field.casefold() == "system.id" and cond.op in ("IN", "="):
            return sorted({int(v) for v in cond.values})
    for cond in query.conditions:
        if cond.field.casefold() == "system.changeddate" and cond.op in (">=", ">") and time_precision:
            since = wiql.parse_date(cond.values[0], time_precision, cond, svc.state.now())
            return list(dict.fromkeys(svc.state.changed_since(since)))
    return list(svc.state.items)


def _sort_key(ref: str, item: WorkItem) -> Any:
    fields = item.fields
    if ref == "System.ChangedDate":
        return _changed(fields)
    raw = fields.get(ref)
    return (raw is None, str(raw).casefold() if not isinstance(raw, int) else raw)
