"""Enhanced search: ``GET/POST /rest/api/3/search/jql`` with nextPageToken paging.

The old ``GET/POST /rest/api/{2,3}/search`` were removed from Jira Cloud (CHANGE-2046): they answer ``410 Gone``
with Atlassian's own message pointing at ``/search/jql``, so a client still calling them fails as it would there.

As in Jira Cloud: the JQL must be bounded, `fields` defaults to ``id`` only, there is no `total`, the last page
has no `nextPageToken`, and a page holds at most 5,000 issues when only ids/keys are asked for but at most 100
when fields are. A token pins the result list of the first page, so later pages are stable.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from weavesync.sandbox.jira import jql
from weavesync.sandbox.jira.http import JiraFault, json_response, read_json
from weavesync.sandbox.jira.model import User
from weavesync.sandbox.jira.routes_issues import parse_fields_param
from weavesync.sandbox.jira.site import Site

BODY_KEYS = {"jql", "nextPageToken", "maxResults", "fields", "expand", "properties", "fieldsByKeys", "failFast",
             "reconcileIssues"}
ID_ONLY = {"id", "key"}
MAX_WITH_FIELDS = 100
MAX_IDS = 5000
INVALID_PAYLOAD = "Invalid request payload. Refer to the REST API documentation and try again."


def removed_search(version: str) -> str:
    """Jira Cloud's answer to the removed ``/rest/api/{version}/search`` (CHANGE-2046)."""
    return (f"The requested API has been removed. Please migrate to the /rest/api/{version}/search/jql API. "
            "A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046")


async def _gone(request: Request) -> Response:
    version = request.url.path.split("/")[3]
    return json_response({"errorMessages": [removed_search(version)], "errors": {}}, 410)


def routes(site: Site) -> list[Route]:
    def search(user: User, request: Request, args: dict[str, Any]) -> Response:
        text = str(args.get("jql") or "")
        names = args.get("fields")
        wanted = names if names is not None else ["id"]
        page_cap = MAX_IDS if set(wanted) <= ID_ONLY else MAX_WITH_FIELDS
        try:
            size = int(args.get("maxResults", 50))
        except (TypeError, ValueError) as exc:
            raise JiraFault(400, [INVALID_PAYLOAD]) from exc
        if size < 0:
            raise JiraFault(400, ["maxResults must not be negative."])
        size = min(size, page_cap)
        token = args.get("nextPageToken")
        with site.state.lock:
            if token:
                snapshot = site.recall(str(token), text)
                keys, offset = snapshot.keys, snapshot.offset
            else:
                query = jql.compile_jql(text, site.state, user.zone, site.ctx.now())
                keys, offset = [i.key for i in jql.run(query, site.state)], 0
            chunk = [site.state.issues[k] for k in keys[offset:offset + size] if k in site.state.issues]
        expand = {e.strip() for e in str(args.get("expand") or "").split(",") if e.strip()}
        renderer = site.renderer(request)
        only_ids = set(wanted) <= {"id"} and not expand
        field_names = [n for n in wanted if n not in ID_ONLY] if "*all" not in wanted else None
        issues = [{"id": str(i.id)} if only_ids else
                  renderer.issue(i, field_names, user.zone, expand) for i in chunk]
        out: dict[str, Any] = {"issues": issues}
        if offset + size < len(keys):
            out["nextPageToken"] = site.remember(text, keys, offset + size)
            out["isLast"] = False
        else:
            out["isLast"] = True
        return json_response(out)

    @site.guard
    async def search_get(request: Request, user: User) -> Response:
        params = request.query_params
        args: dict[str, Any] = {"jql": params.get("jql"), "nextPageToken": params.get("nextPageToken"),
                                "expand": params.get("expand")}
        if params.get("maxResults") is not None:
            args["maxResults"] = params.get("maxResults")
        raw = ",".join(params.getlist("fields"))
        args["fields"] = parse_fields_param(raw, default_all=False) if raw else None
        if raw and any(n in ("*all", "*navigable") for n in raw.split(",")):
            args["fields"] = ["*all"]
        return search(user, request, args)

    @site.guard
    async def search_post(request: Request, user: User) -> Response:
        data = await read_json(request)
        if not isinstance(data, dict) or set(data) - BODY_KEYS:
            raise JiraFault(400, [INVALID_PAYLOAD])
        fields = data.get("fields")
        if fields is not None and (not isinstance(fields, list) or not all(isinstance(f, str) for f in fields)):
            raise JiraFault(400, [INVALID_PAYLOAD])
        if fields is not None and any(f in ("*all", "*navigable") for f in fields):
            data["fields"] = ["*all"]
        return search(user, request, data)

    return [Route("/rest/api/3/search/jql", search_get, methods=["GET"]),
            Route("/rest/api/3/search/jql", search_post, methods=["POST"]),
            *(Route(f"/rest/api/{version}/search", _gone, methods=["GET", "POST"]) for version in ("2", "3"))]
